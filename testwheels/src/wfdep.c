/* libwfdep.so.2: the second-level private library of the privlib wheel.
 * libwfpriv.so.1 needs it, so a repair must graft it transitively. */
const char *wfdep_tag(void) { return "dep2"; }
