// real_cxx_plugins.cc: a C++ program linked with libreal_cxx_registry.so, whose static initializers
// allocate before main (test_real_programs.py); it calls the handlers and builds a little more itself.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "real_cxx_registry.h"

int main()
{
	static const char *const names[] = {"square", "cube", "negate", "triangle", "missing"};
	std::vector<std::string> lines;
	for (const char *name : names) {
		std::ostringstream line;
		line << name << "(12) = " << registry_call(name, 12);
		lines.push_back(line.str());
	}
	for (const std::string &line : lines)
		std::cout << line << '\n';
	std::cout << "log chars " << registry_log_chars() << '\n';
	std::cout << registry_name(REGISTRY_TABLE_SIZE - 1) << '\n';
	return 0;
}
