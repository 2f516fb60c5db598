/* torchlike._C: RUNPATH $ORIGIN/lib finds libwfsolve.so.1 in the wheel;
 * libwfsolve needs libwfsparse.so.1, which its own (absent) search path does
 * not reach.  torchlike._C.tags() is libwfsolve's three digits. */
#include "wf_pymod.h"
#include "wftl.h"

static PyObject *torchlike_c_tags(PyObject *self, PyObject *args) {
  (void)self;
  (void)args;
  return PyLong_FromLong(wfsolve_tags());
}

static PyMethodDef torchlike_c_methods[] = {
    {"tags", torchlike_c_tags, METH_NOARGS, "Tags of the loaded libwfsolve, libwfsparse, libwfblas."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef torchlike_c_moduledef = {
    PyModuleDef_HEAD_INIT, "torchlike._C", "wheelfix test extension", -1,
    torchlike_c_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__C(void) { return PyModule_Create(&torchlike_c_moduledef); }
