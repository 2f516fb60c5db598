/* The library under test: needs libdep.so.1 (versioned), and exports a
   symbol whose name ends with that DT_NEEDED string, so the linker may share
   the bytes in .dynstr (suffix merging). */
extern int dep_value(void);
int fix_value(void) { return dep_value() + 2; }
int suffix_sym(void) __asm__("Xlibdep.so.1");
int suffix_sym(void) { return 7; }
