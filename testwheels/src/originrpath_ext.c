/* originrpath._ext: needs libwfinner.so.1, which the wheel itself carries in
 * originrpath/lib/; the extension's RUNPATH is $ORIGIN/lib, so nothing has to
 * be vendored and the wheel imports as built.  originrpath._ext.inner(12)
 * == 1234. */
#include "wf_pymod.h"

int wfinner_value(int x);

static PyObject *originrpath_inner(PyObject *self, PyObject *args) {
  int x;
  (void)self;
  if (!PyArg_ParseTuple(args, "i", &x)) return NULL;
  return PyLong_FromLong(wfinner_value(x));
}

static PyMethodDef originrpath_methods[] = {
    {"inner", originrpath_inner, METH_VARARGS, "Return libwfinner's value for x."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef originrpath_moduledef = {
    PyModuleDef_HEAD_INIT, "originrpath._ext", "wheelfix test extension", -1,
    originrpath_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__ext(void) { return PyModule_Create(&originrpath_moduledef); }
