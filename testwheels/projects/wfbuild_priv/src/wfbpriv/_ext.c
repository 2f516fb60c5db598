/* wfbpriv._ext.answer(): the value libwfbpriv computes. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wfbpriv.h"

static PyObject *answer(PyObject *self, PyObject *args) {
  (void)self;
  (void)args;
  return PyLong_FromLong(wfbpriv_answer());
}

static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, "libwfbpriv's answer"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ext", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__ext(void) { return PyModule_Create(&module); }
