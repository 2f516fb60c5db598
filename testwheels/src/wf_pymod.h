/* Shared boilerplate for the wheelfix test extensions.
 *
 * Every test extension uses the stable C API (Py_LIMITED_API, 3.10 level so
 * PyUnicode_AsUTF8AndSize is available) and exposes one small function whose
 * result the e2e tests check after import.  WF_DEFINE_MODULE(name, methods)
 * expands to the module definition and its PyInit_<name> entry point. */
#ifndef WF_PYMOD_H
#define WF_PYMOD_H

#ifndef Py_LIMITED_API /* the abi3 wheels pass their own with -D */
#define Py_LIMITED_API 0x030A0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define WF_DEFINE_MODULE(name, methods)                                      \
  static struct PyModuleDef name##_moduledef = {                             \
      PyModuleDef_HEAD_INIT, #name, "wheelfix test extension", -1, methods,  \
      NULL, NULL, NULL, NULL};                                               \
  PyMODINIT_FUNC PyInit_##name(void) { return PyModule_Create(&name##_moduledef); }

#endif
