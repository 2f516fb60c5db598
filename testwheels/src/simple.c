/* simple: an extension with no dependency beyond libc (and the interpreter).
 * simple.add(a, b) returns a + b. */
#include "wf_pymod.h"

static PyObject *simple_add(PyObject *self, PyObject *args) {
  long a, b;
  (void)self;
  if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
  return PyLong_FromLong(a + b);
}

static PyMethodDef simple_methods[] = {
    {"add", simple_add, METH_VARARGS, "Return a + b."},
    {NULL, NULL, 0, NULL}};

WF_DEFINE_MODULE(simple, simple_methods)
