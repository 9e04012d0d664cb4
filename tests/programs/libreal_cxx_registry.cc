// libreal_cxx_registry.cc: a shared library whose static initializers allocate, as plugin registries
// and LLVM's command-line options do: global objects register named handlers into a map, keep a log
// and build a table, all before the program's main and before any other library's constructor that
// the loader orders after this one. Their destructors free it all at exit.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "real_cxx_registry.h"

namespace {

struct Registry {
	std::map<std::string, std::function<long(long)>> handlers;
	std::vector<std::string> log;
};

Registry &registry()
{
	static Registry r; // built by the first registration, whichever global object comes first
	return r;
}

struct Registrar {
	Registrar(const char *name, std::function<long(long)> fn)
	{
		registry().handlers.emplace(name, std::move(fn));
		registry().log.push_back(std::string("registered handler ") + name);
	}
};

Registrar square("square", [](long x) { return x * x; });
Registrar cube("cube", [](long x) { return x * x * x; });
Registrar negate("negate", [](long x) { return -x; });
Registrar triangle("triangle", [](long x) { return x * (x + 1) / 2; });

// One heap block per entry, as a table of interned names would have.
struct NameTable {
	std::vector<std::unique_ptr<std::string>> names;
	NameTable()
	{
		for (int i = 0; i < REGISTRY_TABLE_SIZE; i++)
			names.push_back(std::make_unique<std::string>("a name long enough for the heap #" + std::to_string(i)));
	}
};

NameTable table;

} // namespace

long registry_call(const char *name, long x)
{
	auto it = registry().handlers.find(name);
	return it == registry().handlers.end() ? 0 : it->second(x);
}

std::size_t registry_log_chars()
{
	std::size_t n = 0;
	for (const std::string &line : registry().log)
		n += line.size();
	return n;
}

const std::string &registry_name(int i)
{
	return *table.names.at(i);
}
