#include "wfbpriv.h"

int wfbpriv_answer(void) { return 6 * 7; }
