/* A shared library that is not a resc model: it exports no resc_model. */
__attribute__((visibility("default"))) int not_a_model(void) { return 42; }
