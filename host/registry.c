/*
 * The registry: which loaded plugin serves which key.
 *
 *   alg         each entry of its algs[] under its COSE algorithm id, HKDF
 *               entries under the COSE id of their hash function, ECDH
 *               entries under their curve id
 *   credfmt     under the COSE Header Parameter label of its format
 *   pop         under its method name
 *   profile     under its ace_profile value; several profiles may coexist
 *   kdc, appprofile, store, as   at most one plugin of each kind
 *
 * Keyed operation tables follow one convention: `uint32_t size` first, the
 * key right after it (int64_t label for credfmt, const char * for pop and
 * profile). The registry reads only those leading members, so it needs no
 * other part of the kind headers.
 *
 * When two alg plugins offer the same algorithm, the first one loaded
 * serves it. Any other duplicate key, or a second plugin of a single kind,
 * makes the registry reject the later plugin.
 *
 * Lookups return only initialized plugins: a provider's state exists only
 * after its init succeeded, and no longer once its fini has started.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/alg.h>

#include "internal.h"

/* Leading members of the keyed operation tables. */
struct ops_keyed_by_label {
  uint32_t size;
  int64_t label;
};

struct ops_keyed_by_name {
  uint32_t size;
  const char *name;
};

#if defined(__has_include)
#if __has_include(<gkdc/credfmt.h>)
#include <gkdc/credfmt.h>
_Static_assert(offsetof(struct gkdc_credfmt_ops, cose_header_label) ==
                   offsetof(struct ops_keyed_by_label, label),
               "credfmt ops must have its key right after size");
#endif
#if __has_include(<gkdc/pop.h>)
#include <gkdc/pop.h>
_Static_assert(offsetof(struct gkdc_pop_ops, name) ==
                   offsetof(struct ops_keyed_by_name, name),
               "pop ops must have its key right after size");
#endif
#if __has_include(<gkdc/profile.h>)
#include <gkdc/profile.h>
_Static_assert(offsetof(struct gkdc_profile_ops, ace_profile) ==
                   offsetof(struct ops_keyed_by_name, name),
               "profile ops must have its key right after size");
#endif
#endif

/* Largest algs[] list accepted from one alg plugin. */
#define MAX_ALGS_PER_PLUGIN 256

enum table {
  TABLE_ALG = 1,
  TABLE_HKDF = 2,
  TABLE_CURVE = 3, /* ECDH entries, keyed by curve id */
  TABLE_CREDFMT = 4,
  TABLE_POP = 5,
  TABLE_PROFILE = 6,
};

struct entry {
  enum table table;
  int64_t int_key;
  const char *str_key; /* borrowed from the plugin's ops table */
  gkdc_plugin *plugin;
};

static struct entry *entries;
static size_t entry_count;
static size_t entry_cap;
static gkdc_plugin *singles[GKDC_PLUGIN_KIND_MAX + 1];

const char *gkdc_plugin_kind_name(uint32_t kind) {
  static const char *const names[GKDC_PLUGIN_KIND_MAX + 1] = {
      [GKDC_PLUGIN_ALG] = "alg",
      [GKDC_PLUGIN_CREDFMT] = "credfmt",
      [GKDC_PLUGIN_POP] = "pop",
      [GKDC_PLUGIN_PROFILE] = "profile",
      [GKDC_PLUGIN_KDC] = "kdc",
      [GKDC_PLUGIN_APPPROFILE] = "appprofile",
      [GKDC_PLUGIN_STORE] = "store",
      [GKDC_PLUGIN_AS] = "as",
  };

  if (kind > GKDC_PLUGIN_KIND_MAX || names[kind] == NULL)
    return NULL;
  return names[kind];
}

/* Logs the one rejection line for a plugin; the loader logs nothing more. */
static void __attribute__((format(printf, 2, 3)))
reject(const gkdc_plugin *p, const char *fmt, ...) {
  char reason[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);
  gkdc_log(GKDC_LOG_ERR, "host", "plugin %s rejected: %s", p->file, reason);
}

/* Makes room for `extra` more entries; returns 1 or 0. */
static int reserve(size_t extra) {
  struct entry *grown;
  size_t cap;

  if (entry_count + extra <= entry_cap)
    return 1;
  cap = entry_cap ? entry_cap : 32;
  while (cap < entry_count + extra)
    cap *= 2;
  grown = realloc(entries, cap * sizeof(*grown));
  if (grown == NULL)
    return 0;
  entries = grown;
  entry_cap = cap;
  return 1;
}

static struct entry *find_int(enum table table, int64_t key) {
  size_t i;

  for (i = 0; i < entry_count; i++) {
    if (entries[i].table == table && entries[i].int_key == key)
      return &entries[i];
  }
  return NULL;
}

static struct entry *find_str(enum table table, const char *key) {
  size_t i;

  for (i = 0; i < entry_count; i++) {
    if (entries[i].table == table && strcmp(entries[i].str_key, key) == 0)
      return &entries[i];
  }
  return NULL;
}

static void append(enum table table, int64_t int_key, const char *str_key,
                   gkdc_plugin *p) {
  struct entry *e = &entries[entry_count++];

  e->table = table;
  e->int_key = int_key;
  e->str_key = str_key;
  e->plugin = p;
}

static int add_alg(gkdc_plugin *p) {
  const struct gkdc_alg_ops *ops = p->desc->ops;
  const struct gkdc_alg_info *info;
  enum table table;
  size_t i;

  if (ops->size < offsetof(struct gkdc_alg_ops, alg_count) + sizeof(ops->alg_count)) {
    reject(p, "alg operation table of %u bytes is too short to list algorithms",
           (unsigned)ops->size);
    return 0;
  }
  if (ops->algs == NULL || ops->alg_count == 0) {
    reject(p, "alg plugin lists no algorithms");
    return 0;
  }
  if (ops->alg_count > MAX_ALGS_PER_PLUGIN) {
    reject(p, "alg plugin lists %zu algorithms, more than the maximum of %d",
           ops->alg_count, MAX_ALGS_PER_PLUGIN);
    return 0;
  }
  if (!reserve(ops->alg_count)) {
    reject(p, "out of memory");
    return 0;
  }

  for (i = 0; i < ops->alg_count; i++) {
    info = &ops->algs[i];
    if (info->cls == GKDC_ALG_HKDF)
      table = TABLE_HKDF;
    else if (info->cls == GKDC_ALG_ECDH)
      table = TABLE_CURVE;
    else
      table = TABLE_ALG;

    if (find_int(table, info->id) != NULL) {
      GKDC_DEBUG("plugin %s: algorithm %d (%s) is already served by %s",
                 p->desc->name, (int)info->id, info->name ? info->name : "?",
                 find_int(table, info->id)->plugin->desc->name);
      continue;
    }
    append(table, info->id, NULL, p);
  }
  return 1;
}

static int add_credfmt(gkdc_plugin *p) {
  const struct ops_keyed_by_label *ops = p->desc->ops;
  const struct entry *other;

  if (ops->size < sizeof(*ops)) {
    reject(p, "credfmt operation table of %u bytes has no cose_header_label",
           (unsigned)ops->size);
    return 0;
  }
  other = find_int(TABLE_CREDFMT, ops->label);
  if (other != NULL) {
    reject(p, "credential format %lld is already served by %s",
           (long long)ops->label, other->plugin->desc->name);
    return 0;
  }
  if (!reserve(1)) {
    reject(p, "out of memory");
    return 0;
  }
  append(TABLE_CREDFMT, ops->label, NULL, p);
  return 1;
}

/* pop (by method name) and profile (by ace_profile). */
static int add_named(gkdc_plugin *p, enum table table, const char *what) {
  const struct ops_keyed_by_name *ops = p->desc->ops;
  const struct entry *other;

  if (ops->size < sizeof(*ops) || ops->name == NULL || ops->name[0] == '\0') {
    reject(p, "%s operation table has no %s", gkdc_plugin_kind_name(p->desc->kind),
           what);
    return 0;
  }
  other = find_str(table, ops->name);
  if (other != NULL) {
    reject(p, "%s \"%s\" is already served by %s", what, ops->name,
           other->plugin->desc->name);
    return 0;
  }
  if (!reserve(1)) {
    reject(p, "out of memory");
    return 0;
  }
  append(table, 0, ops->name, p);
  return 1;
}

static int add_single(gkdc_plugin *p) {
  const gkdc_plugin *other = singles[p->desc->kind];

  if (other != NULL) {
    reject(p, "a %s plugin is already loaded: %s from %s; a host runs at most one",
           gkdc_plugin_kind_name(p->desc->kind), other->desc->name, other->file);
    return 0;
  }
  singles[p->desc->kind] = p;
  return 1;
}

int gkdc_registry_add(gkdc_plugin *p) {
  switch (p->desc->kind) {
  case GKDC_PLUGIN_ALG:
    return add_alg(p);
  case GKDC_PLUGIN_CREDFMT:
    return add_credfmt(p);
  case GKDC_PLUGIN_POP:
    return add_named(p, TABLE_POP, "PoP method name");
  case GKDC_PLUGIN_PROFILE:
    return add_named(p, TABLE_PROFILE, "ace_profile");
  case GKDC_PLUGIN_KDC:
  case GKDC_PLUGIN_APPPROFILE:
  case GKDC_PLUGIN_STORE:
  case GKDC_PLUGIN_AS:
    return add_single(p);
  default:
    reject(p, "unknown kind %u", (unsigned)p->desc->kind);
    return 0;
  }
}

void gkdc_registry_clear(void) {
  free(entries);
  entries = NULL;
  entry_count = 0;
  entry_cap = 0;
  memset(singles, 0, sizeof(singles));
}

/* Fills *out from an initialized plugin; returns 1, or 0 for NULL or a
 * plugin that is not (or no longer) initialized. */
static int provide(const gkdc_plugin *p, struct gkdc_provider *out) {
  if (p == NULL || !p->initialized)
    return 0;
  out->ops = p->desc->ops;
  out->state = p->state;
  out->plugin_name = p->desc->name;
  return 1;
}

static int provide_entry(const struct entry *e, struct gkdc_provider *out) {
  return e != NULL && provide(e->plugin, out);
}

int gkdc_registry_find_alg(int32_t cose_alg, struct gkdc_provider *out) {
  const struct entry *e = find_int(TABLE_ALG, cose_alg);

  /* NOTE: ECDH entries carry curve ids, which overlap the algorithm id
   * space (P-256 is 1, like A128GCM). So a curve is found only when no
   * algorithm has the same id. */
  if (e == NULL)
    e = find_int(TABLE_CURVE, cose_alg);
  return provide_entry(e, out);
}

int gkdc_registry_find_hkdf(int32_t cose_hash_alg, struct gkdc_provider *out) {
  return provide_entry(find_int(TABLE_HKDF, cose_hash_alg), out);
}

int gkdc_registry_find_credfmt(int64_t label, struct gkdc_provider *out) {
  return provide_entry(find_int(TABLE_CREDFMT, label), out);
}

int gkdc_registry_find_pop(const char *name, struct gkdc_provider *out) {
  if (name == NULL)
    return 0;
  return provide_entry(find_str(TABLE_POP, name), out);
}

int gkdc_registry_find_profile(const char *ace_profile, struct gkdc_provider *out) {
  if (ace_profile == NULL)
    return 0;
  return provide_entry(find_str(TABLE_PROFILE, ace_profile), out);
}

int gkdc_registry_get_single(uint32_t kind, struct gkdc_provider *out) {
  if (kind > GKDC_PLUGIN_KIND_MAX)
    return 0;
  return provide(singles[kind], out);
}
