// cxxext: a C++ extension.  It uses std::string, std::vector and exceptions
// so its .gnu.version_r lists GLIBCXX_* and CXXABI_* versions from
// libstdc++.so.6 (and libgcc_s for unwinding).
// cxxext.split_count("a bb ccc") == 3; an empty or blank string raises
// ValueError, raised as a C++ exception and translated at the boundary.
#include "wf_pymod.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<std::string> split_words(const std::string &text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!current.empty()) words.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) words.push_back(current);
  if (words.empty()) throw std::invalid_argument("no words in \"" + text + "\"");
  return words;
}

PyObject *cxxext_split_count(PyObject *, PyObject *args) {
  const char *text = nullptr;
  Py_ssize_t len = 0;
  if (!PyArg_ParseTuple(args, "s#", &text, &len)) return nullptr;
  try {
    auto words = split_words(std::string(text, static_cast<size_t>(len)));
    return PyLong_FromSize_t(words.size());
  } catch (const std::exception &e) {
    PyErr_SetString(PyExc_ValueError, e.what());
    return nullptr;
  }
}

PyMethodDef cxxext_methods[] = {
    {"split_count", cxxext_split_count, METH_VARARGS, "Count blank-separated words."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

WF_DEFINE_MODULE(cxxext, cxxext_methods)
