"""The bundled demo site: chained board posts served on 127.0.0.1."""
