// HashLink/C's entry point for the haxe-hlc target: HashLink's own hlc_main.c, unchanged but for
// one function. The main.c that Haxe generates says `#include <hlc_main.c>`; the target's gcc line
// puts this directory first on the include path, so this file is found first and includes
// HashLink's installed one with #include_next.
//
// Why: HashLink's hlc_resolve_symbol (the Linux and macOS branch, HashLink 1.14 and later) turns an
// address into the name of its function when a Haxe exception is built (haxe.Exception records its
// call stack on hl). It returns the name's length in bytes where its caller, hl_exception_stack
// (src/std/error.c), expects UTF-16 units, and the caller copies sizeof(uchar) * (size + 1) bytes:
// about twice the length of the block, read past its end. When that block ends a GC page, the copy
// faults: chat-client, whose malformed answers make haxe.Json throw, died with SIGSEGV in one run of
// five at concurrency 32. This file's resolver answers in UTF-16 units, as the JIT's
// (module_resolve_symbol in src/module.c) does. Only the path that names stack frames changes; no
// code that a workload times runs through it unless it throws.
//
// The upstream definition is renamed by a function-like macro (which expands where the name is
// followed by a parenthesis, as in a definition, and not where main() stores it in hl_setup), so
// main() takes the function defined below.
static uchar *hlc_resolve_symbol(void *addr, uchar *out, int *outSize);
#define hlc_resolve_symbol(addr, out, outSize) hlc_resolve_symbol_as_shipped(addr, out, outSize)
#include_next <hlc_main.c>
#undef hlc_resolve_symbol

static uchar *hlc_resolve_symbol(void *addr, uchar *out, int *outSize) {
#if defined(HL_LINUX_BACKTRACE) || defined(HL_MAC)
	void *one[1] = {addr};
	char **names = backtrace_symbols(one, 1);
	if (names == NULL)
		return NULL;
	int bytes = (int)strlen(names[0]);
	// UTF-8 never takes fewer bytes than UTF-16 takes units, so bytes + 1 units hold the name and
	// its terminator.
	uchar *name = (uchar *)hl_gc_alloc_noptr((bytes + 1) * (int)sizeof(uchar));
	*outSize = hl_from_utf8(name, bytes, names[0]);
	free(names);
	(void)out;
	return name;
#else
	return hlc_resolve_symbol_as_shipped(addr, out, outSize);
#endif
}
