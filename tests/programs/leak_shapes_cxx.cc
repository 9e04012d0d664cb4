/* leak_shapes_cxx.cc: the C++ leak shapes memcheck recognises by heuristic, one per run (argv[1]).
 *
 * Built with the old std::string (a reference-counted block of length, capacity, count, then the
 * characters, pointed to 24 bytes in), the layout memcheck's stdstring heuristic knows.
 *   newarray: new[] of 5 objects with a destructor (cookie + 60 = 68 bytes) kept through the pointer
 *             past the cookie (reachable by heuristic); new[] of 3 dropped (44, definitely lost).
 *   multipleinheritance: a C : A, B (40 bytes) kept as a B* (16 bytes in; reachable by heuristic).
 *   stdstring: a std::string of 100 characters (125-byte block) in a heap-allocated string object
 *             (8 bytes): both reachable, the first by heuristic.
 */
#define _GLIBCXX_USE_CXX11_ABI 0
#include <cstdio>
#include <cstring>
#include <string>

struct D {
	int x[3];
	~D() { x[0] = 0; }
};

struct A {
	virtual ~A() {}
	long a = 1;
};
struct B {
	virtual ~B() {}
	long b = 2;
};
struct C : A, B {
	long c = 3;
};

static D *volatile kept_array;
static B *volatile kept_b;
static std::string *volatile kept_string;

__attribute__((noinline)) static void scrub_stack()
{
	volatile char area[32768];
	memset(const_cast<char *>(area), 0, sizeof(area));
}

__attribute__((noinline)) static void newarray()
{
	kept_array = new D[5];
	D *volatile lost = new D[3];
	(void)lost;
}

__attribute__((noinline)) static void multipleinheritance()
{
	kept_b = new C;
}

__attribute__((noinline)) static void stdstring()
{
	kept_string = new std::string(100, 'x');
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "newarray"))
		newarray();
	else if (argc > 1 && !strcmp(argv[1], "multipleinheritance"))
		multipleinheritance();
	else if (argc > 1 && !strcmp(argv[1], "stdstring"))
		stdstring();
	else {
		fprintf(stderr, "usage: leak_shapes_cxx newarray|multipleinheritance|stdstring\n");
		return 2;
	}
	scrub_stack();
	return 0;
}
