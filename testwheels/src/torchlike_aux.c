/* torchlike._aux: no RPATH at all, needs libwfsparse.so.1 (in the wheel at
 * torchlike/lib/) and the external libwfplug.so.1; imported first, it works
 * only when its own search path reaches torchlike/lib.
 * torchlike._aux.tags() is libwfsparse's tag then libwfplug's two digits. */
#include "wf_pymod.h"
#include "wftl.h"

static PyObject *torchlike_aux_tags(PyObject *self, PyObject *args) {
  (void)self;
  (void)args;
  return PyLong_FromLong(wfsparse_tag() * 100 + wfplug_tags());
}

static PyMethodDef torchlike_aux_methods[] = {
    {"tags", torchlike_aux_tags, METH_NOARGS, "Tags of the loaded libwfsparse and libwfplug."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef torchlike_aux_moduledef = {
    PyModuleDef_HEAD_INIT, "torchlike._aux", "wheelfix test extension", -1,
    torchlike_aux_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__aux(void) { return PyModule_Create(&torchlike_aux_moduledef); }
