/*
 * One source for the loader's test plugins. Each test plugin is this file
 * built with a different TP_VARIANT; see tests/loader.am for the list.
 *
 * init and fini log "init NAME" and "fini NAME" through the host API, so a
 * test that captures the log can check the order of the calls.
 */
#include <stddef.h>

#include <gkdc/alg.h>
#include <gkdc/credfmt.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>
#include <gkdc/pop.h>
#include <gkdc/profile.h>
#include <gkdc/store.h>

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
#define TP_CREDFMT_A 14    /* credential format label 14 (kccs), loads */
#define TP_CREDFMT_B 15    /* label 14 again, under another name */
#define TP_POP_TWIN 16     /* the method name of TP_GOOD_POP again */
#define TP_NO_ALGS 17      /* an alg plugin with an empty algs[] list */
#define TP_BAD_NAME 18     /* a name with a space */
#define TP_NULL_OPS 19     /* no operation table */
#define TP_NULL_DESC 20    /* the entry point returns NULL */
#define TP_PROFILE 21      /* a profile plugin, ace_profile "test_profile" */
#define TP_ALG_TWIN 22     /* the algorithm id of TP_GOOD_ALG again */

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
#elif TP_VARIANT == TP_CREDFMT_A
#define TP_NAME "test-credfmt-a"
#define TP_KIND GKDC_PLUGIN_CREDFMT
#elif TP_VARIANT == TP_CREDFMT_B
#define TP_NAME "test-credfmt-b"
#define TP_KIND GKDC_PLUGIN_CREDFMT
#elif TP_VARIANT == TP_POP_TWIN
#define TP_NAME "test-pop-twin"
#define TP_KIND GKDC_PLUGIN_POP
#define TP_METHOD "test-pop-method"
#elif TP_VARIANT == TP_NO_ALGS
#define TP_NAME "test-no-algs"
#define TP_ALG_COUNT 0
#elif TP_VARIANT == TP_BAD_NAME
#define TP_NAME "bad name"
#elif TP_VARIANT == TP_NULL_OPS
#define TP_NAME "test-null-ops"
#define TP_OPS NULL
#elif TP_VARIANT == TP_NULL_DESC
#define TP_NAME "test-null-desc"
#elif TP_VARIANT == TP_PROFILE
#define TP_NAME "test-profile"
#define TP_KIND GKDC_PLUGIN_PROFILE
#elif TP_VARIANT == TP_ALG_TWIN
#define TP_NAME "test-alg-twin"
#define TP_ALG_ID (-65100 - TP_GOOD_ALG)
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
#ifndef TP_METHOD
#define TP_METHOD TP_NAME "-method"
#endif
/* Algorithm ids from the private-use range, so no real one is shadowed. */
#ifndef TP_ALG_ID
#define TP_ALG_ID (-65100 - TP_VARIANT)
#endif
#ifndef TP_ALG_COUNT
#define TP_ALG_COUNT 1
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

static const struct gkdc_alg_info tp_algs[] __attribute__((unused)) = {
    {.id = TP_ALG_ID, .cls = GKDC_ALG_SIGN, .name = "test"},
};

static int tp_random(void *st, uint8_t *buf, size_t len) {
  size_t i;

  for (i = 0; i < len; i++)
    buf[i] = (uint8_t)i;
  return 1;
}

static const struct gkdc_alg_ops tp_alg_ops __attribute__((unused)) = {
#if TP_VARIANT == TP_OLDER_MINOR
    /* A table that ends before hkdf, as if hkdf had been added later. */
    .size = offsetof(struct gkdc_alg_ops, hkdf),
#else
    .size = sizeof(struct gkdc_alg_ops),
#endif
    .algs = tp_algs,
    .alg_count = TP_ALG_COUNT,
    .random = tp_random,
};

/* Tables of the other kinds carry only the key the registry reads. Each
 * variant uses one table, so the others are marked unused. */
static const struct gkdc_credfmt_ops tp_credfmt_ops __attribute__((unused)) = {
    .size = sizeof(struct gkdc_credfmt_ops),
    .cose_header_label = GKDC_COSE_HDR_KCCS,
    .name = "test",
};

static const struct gkdc_pop_ops tp_pop_ops __attribute__((unused)) = {
    .size = sizeof(struct gkdc_pop_ops),
    .name = TP_METHOD,
};

static const struct gkdc_profile_ops tp_profile_ops __attribute__((unused)) = {
    .size = sizeof(struct gkdc_profile_ops),
    .ace_profile = "test_profile",
};

static const struct gkdc_store_ops tp_store_ops __attribute__((unused)) = {
    .size = sizeof(struct gkdc_store_ops),
};

/* The table of the variant's kind. The kinds are enum constants, which #if
 * cannot compare, so the choice is a constant expression. */
#ifndef TP_OPS
#define TP_OPS                                                                 \
  (TP_KIND == GKDC_PLUGIN_CREDFMT   ? (const void *)&tp_credfmt_ops           \
   : TP_KIND == GKDC_PLUGIN_POP     ? (const void *)&tp_pop_ops               \
   : TP_KIND == GKDC_PLUGIN_PROFILE ? (const void *)&tp_profile_ops           \
   : TP_KIND == GKDC_PLUGIN_STORE   ? (const void *)&tp_store_ops             \
                                    : (const void *)&tp_alg_ops)
#endif

static const struct gkdc_plugin_desc tp_desc __attribute__((unused)) = {
    .abi_major = TP_MAJOR,
    .abi_minor = TP_MINOR,
    .build_signature = TP_SIGNATURE,
    .kind = TP_KIND,
    .name = TP_NAME,
    .version = "0",
    .description = "loader test plugin",
    .init = tp_init,
    .fini = tp_fini,
    .ops = TP_OPS,
};

#if TP_VARIANT == TP_NO_ENTRY
/* The descriptor under a name the host does not look for. */
GKDC_EXPORT const struct gkdc_plugin_desc *not_the_entry_point(void);
GKDC_EXPORT const struct gkdc_plugin_desc *not_the_entry_point(void) {
  return &tp_desc;
}
#elif TP_VARIANT == TP_NULL_DESC
GKDC_EXPORT const struct gkdc_plugin_desc *gkdc_plugin_entry(void);
GKDC_EXPORT const struct gkdc_plugin_desc *gkdc_plugin_entry(void) {
  return NULL;
}
#else
GKDC_PLUGIN_DEFINE(tp_desc)
#endif
