/* libwfplug.so.1 (torchlike): external, needs libwfsparse.so.1, which the
 * wheel ships: its vendored copy must use the wheel's libwfsparse, not a
 * second vendored one.  Returns its own and libwfsparse's tags as two digits. */
#include "wftl.h"

int wfplug_tags(void) { return WF_OWN_TAG * 10 + wfsparse_tag(); }
