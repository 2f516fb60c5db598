/* simple: an extension with no dependency beyond libc (and the interpreter).
 * simple.add(a, b) returns a + b; on overflow it raises OverflowError with a
 * message built by snprintf, which gives the module a real DT_NEEDED
 * libc.so.6 and a GLIBC_2.2.5-era version reference (x86_64). */
#include "wf_pymod.h"

#include <stdio.h>

static PyObject *simple_add(PyObject *self, PyObject *args) {
  long a, b, sum;
  char msg[96];
  (void)self;
  if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
  if (__builtin_add_overflow(a, b, &sum)) {
    snprintf(msg, sizeof msg, "simple.add(%ld, %ld) overflows a C long", a, b);
    PyErr_SetString(PyExc_OverflowError, msg);
    return NULL;
  }
  return PyLong_FromLong(sum);
}

static PyMethodDef simple_methods[] = {
    {"add", simple_add, METH_VARARGS, "Return a + b."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(simple, simple_methods)
