/* jit_symbols.c: the addresses of the run-time symbols the host's stencils refer to, in
 * the order of the host set's `symbols` (both come from the same object). */
#include "jit.h"
#include "jit_runtime_symbols.h"

#if defined(__x86_64__)
#include "jit_symbols_x86_64.c"
#define HOST_SYMBOLS stencils_x86_64_symbols
#define HOST_NSYMBOLS stencils_x86_64_nsymbols
#define HOST_SET stencils_x86_64
#elif defined(__aarch64__)
#include "jit_symbols_aarch64.c"
#define HOST_SYMBOLS stencils_aarch64_symbols
#define HOST_NSYMBOLS stencils_aarch64_nsymbols
#define HOST_SET stencils_aarch64
#endif

const uint64_t *jit_host_symbol_addresses(void);

const uint64_t *jit_host_symbol_addresses(void) {
#ifdef HOST_SET
  static uint64_t *addresses;
  if (!addresses) {
    addresses = xcalloc(HOST_NSYMBOLS ? HOST_NSYMBOLS : 1, sizeof(uint64_t));
    for (uint32_t i = 0; i < HOST_NSYMBOLS; i++) {
      ASSERT(strcmp(HOST_SYMBOLS[i].name, HOST_SET.symbols[i]) == 0, "symbol tables out of step");
      addresses[i] = (uint64_t)(uintptr_t)HOST_SYMBOLS[i].address;
    }
  }
  return addresses;
#else
  return NULL;
#endif
}
