/* recipedemo._native: greet(name) -> the private library's greeting. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wfrecipe.h"

static PyObject *greet(PyObject *self, PyObject *args) {
  const char *name;
  char buf[256];
  (void)self;
  if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
  wfrecipe_greet(name, buf, sizeof buf);
  return PyUnicode_FromString(buf);
}

static PyMethodDef methods[] = {
    {"greet", greet, METH_VARARGS, "Greeting built by libwfrecipe."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
