/* libwfhello.so.1: private library of the withscript wheel's executable. */
#ifndef WFHELLO_H
#define WFHELLO_H

/* Returns the greeting the wfhello program prints; never NULL. */
const char *wfhello_greeting(void);

#endif
