/* A versioned dependency: libdep.so.1 exports dep_value@@DEP_1. */
int dep_value(void) { return 40; }
