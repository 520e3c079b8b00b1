/*
 * One source for the loader's test plugins. Each test plugin is this file
 * built with a different TP_VARIANT; see tests/loader.am for the list.
 *
 * init and fini log "init NAME" and "fini NAME" through the host API, so a
 * test that captures the log can check the order of the calls.
 */
#include <stddef.h>

#include <gkdc/alg.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>

#define TP_GOOD_ALG 1      /* a valid alg plugin, "test-alg" */
#define TP_GOOD_POP 2      /* a valid pop plugin, "test-pop" */
#define TP_OLDER_MINOR 3   /* alg table as an older minor version had it */
#define TP_NEWER_MINOR 4   /* built against the next ABI minor version */
#define TP_BAD_ABI_MAJOR 5 /* ABI major one above the host's */
#define TP_NO_ENTRY 6      /* exports no entry point */
#define TP_DUP_A 7         /* "test-dup", loads */
#define TP_DUP_B 8         /* "test-dup" again, from another file */
#define TP_UNKNOWN_KIND 9  /* kind 99 */
#define TP_BAD_SIGNATURE 10 /* build signature off by one bit */
#define TP_INIT_FAILS 11   /* init returns 0 */
#define TP_STORE_A 12      /* a store plugin, loads */
#define TP_STORE_B 13      /* a second store plugin */

#ifndef TP_VARIANT
#error "build with -DTP_VARIANT=<one of the TP_* values>"
#endif

/* Name, kind and versions of each variant. */
#if TP_VARIANT == TP_GOOD_ALG
#define TP_NAME "test-alg"
#elif TP_VARIANT == TP_GOOD_POP
#define TP_NAME "test-pop"
#define TP_KIND GKDC_PLUGIN_POP
#elif TP_VARIANT == TP_OLDER_MINOR
#define TP_NAME "test-older"
#elif TP_VARIANT == TP_NEWER_MINOR
#define TP_NAME "test-newer"
#define TP_MINOR (GKDC_ABI_MINOR + 1)
#elif TP_VARIANT == TP_BAD_ABI_MAJOR
#define TP_NAME "test-bad-abi"
#define TP_MAJOR (GKDC_ABI_MAJOR + 1)
#elif TP_VARIANT == TP_NO_ENTRY
#define TP_NAME "test-no-entry"
#elif TP_VARIANT == TP_DUP_A || TP_VARIANT == TP_DUP_B
#define TP_NAME "test-dup"
#define TP_KIND GKDC_PLUGIN_POP
#elif TP_VARIANT == TP_UNKNOWN_KIND
#define TP_NAME "test-unknown-kind"
#define TP_KIND 99
#elif TP_VARIANT == TP_BAD_SIGNATURE
#define TP_NAME "test-bad-signature"
#define TP_SIGNATURE (GKDC_BUILD_SIGNATURE ^ 1u)
#elif TP_VARIANT == TP_INIT_FAILS
#define TP_NAME "test-init-fails"
#elif TP_VARIANT == TP_STORE_A
#define TP_NAME "test-store-a"
#define TP_KIND GKDC_PLUGIN_STORE
#elif TP_VARIANT == TP_STORE_B
#define TP_NAME "test-store-b"
#define TP_KIND GKDC_PLUGIN_STORE
#else
#error "unknown TP_VARIANT"
#endif

#ifndef TP_KIND
#define TP_KIND GKDC_PLUGIN_ALG
#endif
#ifndef TP_MAJOR
#define TP_MAJOR GKDC_ABI_MAJOR
#endif
#ifndef TP_MINOR
#define TP_MINOR GKDC_ABI_MINOR
#endif
#ifndef TP_SIGNATURE
#define TP_SIGNATURE GKDC_BUILD_SIGNATURE
#endif

struct tp_state {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;
};

static struct tp_state state;

static int tp_init(gkdc_plugin *self, const struct gkdc_host_api *host,
                   void **state_out) {
  host->log(self, GKDC_LOG_INFO, "init %s", TP_NAME);
  if (TP_VARIANT == TP_INIT_FAILS)
    return 0;
  state.self = self;
  state.host = host;
  *state_out = &state;
  return 1;
}

static void tp_fini(void *arg) {
  struct tp_state *st = arg;

  if (st != NULL)
    st->host->log(st->self, GKDC_LOG_INFO, "fini %s", TP_NAME);
}

/* An algorithm id from the private-use range, so no real one is shadowed. */
static const struct gkdc_alg_info tp_algs[] = {
    {.id = -65100 - TP_VARIANT, .cls = GKDC_ALG_SIGN, .name = "test"},
};

static int tp_random(void *st, uint8_t *buf, size_t len) {
  size_t i;

  for (i = 0; i < len; i++)
    buf[i] = (uint8_t)i;
  return 1;
}

static const struct gkdc_alg_ops tp_alg_ops = {
#if TP_VARIANT == TP_OLDER_MINOR
    /* A table that ends before hkdf, as if hkdf had been added later. */
    .size = offsetof(struct gkdc_alg_ops, hkdf),
#else
    .size = sizeof(struct gkdc_alg_ops),
#endif
    .algs = tp_algs,
    .alg_count = 1,
    .random = tp_random,
};

/* The leading members of the pop table: its size and method name. */
static const struct {
  uint32_t size;
  const char *name;
} tp_named_ops = {sizeof(tp_named_ops), TP_NAME "-method"};

static const struct gkdc_plugin_desc tp_desc = {
    .abi_major = TP_MAJOR,
    .abi_minor = TP_MINOR,
    .build_signature = TP_SIGNATURE,
    .kind = TP_KIND,
    .name = TP_NAME,
    .version = "0",
    .description = "loader test plugin",
    .init = tp_init,
    .fini = tp_fini,
    .ops = TP_KIND == GKDC_PLUGIN_ALG ? (const void *)&tp_alg_ops
                                     : (const void *)&tp_named_ops,
};

#if TP_VARIANT == TP_NO_ENTRY
/* The descriptor under a name the host does not look for. */
GKDC_EXPORT const struct gkdc_plugin_desc *not_the_entry_point(void);
GKDC_EXPORT const struct gkdc_plugin_desc *not_the_entry_point(void) {
  return &tp_desc;
}
#else
GKDC_PLUGIN_DEFINE(tp_desc)
#endif
