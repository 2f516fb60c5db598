/* A Python extension module that calls into libfix.so: the repair case. */
#include <Python.h>
extern int fix_value(void);
static PyObject* value(PyObject* self, PyObject* args) {
  (void)self;
  (void)args;
  return PyLong_FromLong(fix_value());
}
static PyMethodDef methods[] = {{"value", value, METH_NOARGS, "fix_value()"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_wfext", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit__wfext(void) { return PyModule_Create(&module); }
