/*
 * gkdc plugin SDK: the plugin descriptor, plugin kinds and ABI version.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * GKDC_PLUGIN_ENTRY_NAME, a function returning a pointer to a constant
 * struct gkdc_plugin_desc. The host loads the object with
 * RTLD_NOW | RTLD_LOCAL, calls the entry point, checks the ABI major version
 * and the build signature, and only then calls anything else in it.
 *
 * Compatibility rules inside one ABI major version:
 *   - structures named in GKDC_BUILD_SIGNATURE never change;
 *   - every operation table starts with a `size` member that the side which
 *     fills it sets to sizeof() of the table it was compiled against; the
 *     side that reads it calls an operation only if the table is long enough
 *     to contain it (GKDC_HAS_OP), so tables grow at the end in a minor
 *     version without breaking plugins built against an older minor version.
 */
#ifndef GKDC_PLUGIN_H
#define GKDC_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version of this SDK. A major bump breaks every plugin, a minor bump
 * only appends operations to tables. */
#define GKDC_ABI_MAJOR 1
#define GKDC_ABI_MINOR 0

/* Name of the one symbol every plugin exports. */
#define GKDC_PLUGIN_ENTRY_NAME "gkdc_plugin_entry"

/* Plugin kinds. Values are part of the ABI. */
enum gkdc_plugin_kind {
  GKDC_PLUGIN_ALG = 1,        /* COSE algorithms, HKDF, random (alg.h) */
  GKDC_PLUGIN_CREDFMT = 2,    /* one authentication credential format (credfmt.h) */
  GKDC_PLUGIN_POP = 3,        /* one proof-of-possession method (pop.h) */
  GKDC_PLUGIN_PROFILE = 4,    /* one ACE transport profile (profile.h) */
  GKDC_PLUGIN_KDC = 5,        /* the KDC interface of RFC 9594 (kdc.h) */
  GKDC_PLUGIN_APPPROFILE = 6, /* one application profile of RFC 9594 (appprofile.h) */
  GKDC_PLUGIN_STORE = 7,      /* durable state (store.h) */
  GKDC_PLUGIN_AS = 8,         /* an ACE Authorization Server (as.h) */
};

/* Highest kind value this SDK defines. */
#define GKDC_PLUGIN_KIND_MAX GKDC_PLUGIN_AS

struct gkdc_host_api;

/* Opaque per-plugin handle owned by the host. It identifies the calling
 * plugin in every host API call. */
typedef struct gkdc_plugin gkdc_plugin;

/*
 * The plugin descriptor. Layout frozen for ABI major 1.
 *
 * init is called once after the checks, with the host API table and the
 * plugin's own handle; it stores its state through *state_out and returns 1
 * on success or 0 on failure (after logging why). fini receives that state
 * and may be called with NULL; it releases everything init allocated.
 *
 * ops points to the kind-specific operation table (for example struct
 * gkdc_alg_ops for GKDC_PLUGIN_ALG); its first member is its size.
 */
struct gkdc_plugin_desc {
  uint32_t abi_major;       /* GKDC_ABI_MAJOR the plugin was built against */
  uint32_t abi_minor;       /* GKDC_ABI_MINOR the plugin was built against */
  uint64_t build_signature; /* GKDC_BUILD_SIGNATURE */
  uint32_t kind;            /* enum gkdc_plugin_kind */
  uint32_t reserved;        /* zero */
  const char *name;         /* unique among the loaded plugins, e.g. "alg-boringssl" */
  const char *version;      /* the plugin's own version string */
  const char *description;  /* one line for `gkdc serve` and logs */
  int (*init)(gkdc_plugin *self, const struct gkdc_host_api *host, void **state_out);
  void (*fini)(void *state);
  const void *ops;          /* kind-specific operation table */
};

/* Byte string view: a (pointer, length) pair the holder does not own. */
struct gkdc_bytes {
  const uint8_t *ptr;
  size_t len;
};

/*
 * GKDC_BUILD_SIGNATURE covers only facts that must match between host and
 * plugin: the ABI major version, the pointer size and the sizes of the frozen
 * structures. It deliberately leaves out the minor version and the sizes of
 * the growable operation tables.
 */
#define GKDC_SIG_MIX(h, v) (((h) ^ (uint64_t)(v)) * UINT64_C(0x100000001b3))
#define GKDC_BUILD_SIGNATURE                                                   \
  GKDC_SIG_MIX(GKDC_SIG_MIX(GKDC_SIG_MIX(GKDC_SIG_MIX(                        \
      UINT64_C(0xcbf29ce484222325), GKDC_ABI_MAJOR), sizeof(void *)),         \
      sizeof(struct gkdc_plugin_desc)), sizeof(struct gkdc_bytes))

/* True when a table that reports `size` bytes contains member `op`. */
#define GKDC_HAS_OP(table, op)                                                 \
  ((table) != NULL &&                                                          \
   (table)->size >= offsetof(__typeof__(*(table)), op) + sizeof((table)->op) && \
   (table)->op != NULL)

/* Symbol visibility for the entry point. */
#if defined(__GNUC__)
#define GKDC_EXPORT __attribute__((visibility("default")))
#else
#define GKDC_EXPORT
#endif

/* Signature of the entry point. */
typedef const struct gkdc_plugin_desc *(*gkdc_plugin_entry_fn)(void);

/*
 * GKDC_PLUGIN_DEFINE(desc) defines the entry point returning &desc. Use it
 * once per plugin, at file scope.
 */
#define GKDC_PLUGIN_DEFINE(desc)                                               \
  GKDC_EXPORT const struct gkdc_plugin_desc *gkdc_plugin_entry(void);          \
  GKDC_EXPORT const struct gkdc_plugin_desc *gkdc_plugin_entry(void) { return &(desc); }

#ifdef __cplusplus
}
#endif

#endif /* GKDC_PLUGIN_H */
