/* real_cxx_registry.h: the interface of libreal_cxx_registry.so (its handlers, log and name table). */
#ifndef REAL_CXX_REGISTRY_H
#define REAL_CXX_REGISTRY_H
#include <cstddef>
#include <string>

#define REGISTRY_TABLE_SIZE 400

long registry_call(const char *name, long x);
std::size_t registry_log_chars();
const std::string &registry_name(int i);
#endif
