/*
 * The plugin loader: dlopen, descriptor checks, init and fini.
 *
 * A plugin file is opened with RTLD_NOW | RTLD_LOCAL, so that an undefined
 * symbol fails at load time and no plugin's symbols (BoringSSL's in
 * particular) bind another plugin's calls. The checks run in this order,
 * and the first that fails rejects the plugin with exactly one error line
 * "plugin FILE rejected: REASON":
 *   1. the entry point GKDC_PLUGIN_ENTRY_NAME exists and returns a descriptor;
 *   2. the ABI major version equals the host's;
 *   3. the build signature equals the host's;
 *   4. the kind is one this host supports;
 *   5. the name is valid and no loaded plugin has it;
 *   6. the operation table is present;
 *   7. the registry accepts its keys.
 * A plugin built against a newer ABI minor version loads with a notice: it
 * may call host operations that this host lacks, which GKDC_HAS_OP() lets it
 * detect. One built against an older minor version has shorter tables, which
 * the host detects the same way.
 */
#include <config.h>

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Maximum plugin name length; names double as config section names. */
#define MAX_PLUGIN_NAME 64

static gkdc_plugin *first_plugin;
static gkdc_plugin *last_plugin;
static size_t plugin_count;

/* Initialized plugins in init order, for fini in reverse. */
static gkdc_plugin **init_order;
static size_t init_count;

static void __attribute__((format(printf, 2, 3)))
reject(const char *file, const char *fmt, ...) {
  char reason[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);
  gkdc_log(GKDC_LOG_ERR, "host", "plugin %s rejected: %s", file, reason);
}

/* True when GKDC_NO_DLCLOSE=1 is set: plugins then stay mapped, so that
 * AddressSanitizer's leak reports can still name their functions. */
static int keep_mapped(void) {
  const char *v = getenv("GKDC_NO_DLCLOSE");

  return v != NULL && strcmp(v, "1") == 0;
}

static void close_handle(void *dl) {
  if (dl != NULL && !keep_mapped())
    dlclose(dl);
}

/* Names are [A-Za-z][A-Za-z0-9_-]*, so that each is also a valid libconfig
 * setting name for its plugin_config section. */
static int valid_name(const char *name) {
  size_t i, len;

  if (name == NULL)
    return 0;
  len = strlen(name);
  if (len == 0 || len > MAX_PLUGIN_NAME)
    return 0;
  if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
    return 0;
  for (i = 1; i < len; i++) {
    char c = name[i];

    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return 0;
  }
  return 1;
}

static gkdc_plugin *find_by_name(const char *name) {
  gkdc_plugin *p;

  for (p = first_plugin; p != NULL; p = p->next) {
    if (strcmp(p->desc->name, name) == 0)
      return p;
  }
  return NULL;
}

/* Runs checks 2 to 6 of the file comment; returns 1, or 0 after logging. */
static int check_descriptor(const char *file, const struct gkdc_plugin_desc *d) {
  const gkdc_plugin *other;

  if (d->abi_major != GKDC_ABI_MAJOR) {
    reject(file, "ABI major %u, host supports %d", (unsigned)d->abi_major,
           GKDC_ABI_MAJOR);
    return 0;
  }
  if (d->build_signature != GKDC_BUILD_SIGNATURE) {
    reject(file, "build signature %016llx, host expects %016llx (built against "
                 "other structure sizes or pointer width)",
           (unsigned long long)d->build_signature,
           (unsigned long long)GKDC_BUILD_SIGNATURE);
    return 0;
  }
  if (gkdc_plugin_kind_name(d->kind) == NULL) {
    reject(file, "unknown kind %u (this host knows kinds 1 to %d)",
           (unsigned)d->kind, GKDC_PLUGIN_KIND_MAX);
    return 0;
  }
  if (!valid_name(d->name)) {
    reject(file, "invalid name; a name has 1 to %d characters from A-Z a-z 0-9 - _ "
                 "and starts with a letter",
           MAX_PLUGIN_NAME);
    return 0;
  }
  other = find_by_name(d->name);
  if (other != NULL) {
    reject(file, "name \"%s\" is already used by %s", d->name, other->file);
    return 0;
  }
  if (d->ops == NULL) {
    reject(file, "no operation table");
    return 0;
  }
  return 1;
}

int gkdc_plugin_load(const char *file, gkdc_plugin **out) {
  const struct gkdc_plugin_desc *desc;
  gkdc_plugin_entry_fn entry;
  gkdc_plugin *p = NULL;
  void *dl;

  dl = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (dl == NULL) {
    reject(file, "cannot load: %s", dlerror());
    return 0;
  }

  *(void **)&entry = dlsym(dl, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL) {
    reject(file, "no entry point %s", GKDC_PLUGIN_ENTRY_NAME);
    goto fail;
  }
  desc = entry();
  if (desc == NULL) {
    reject(file, "entry point %s returned no descriptor", GKDC_PLUGIN_ENTRY_NAME);
    goto fail;
  }
  if (!check_descriptor(file, desc))
    goto fail;

  p = calloc(1, sizeof(*p));
  if (p == NULL || (p->file = strdup(file)) == NULL) {
    reject(file, "out of memory");
    goto fail;
  }
  p->dl = dl;
  p->desc = desc;
  p->cfg = gkdc_config_plugin_section(desc->name);
  if (!gkdc_registry_add(p))
    goto fail;

  if (last_plugin != NULL)
    last_plugin->next = p;
  else
    first_plugin = p;
  last_plugin = p;
  plugin_count++;

  if (desc->abi_minor > GKDC_ABI_MINOR)
    gkdc_log(GKDC_LOG_NOTICE, "host",
             "plugin %s (%s) was built against ABI %u.%u, this host has %d.%d: "
             "host operations added after %d.%d are missing to it",
             desc->name, file, (unsigned)desc->abi_major, (unsigned)desc->abi_minor,
             GKDC_ABI_MAJOR, GKDC_ABI_MINOR, GKDC_ABI_MAJOR, GKDC_ABI_MINOR);
  gkdc_log(GKDC_LOG_INFO, "host", "plugin %s %s (%s) loaded from %s", desc->name,
           desc->version ? desc->version : "", gkdc_plugin_kind_name(desc->kind),
           file);
  if (out != NULL)
    *out = p;
  return 1;

fail:
  if (p != NULL) {
    free(p->file);
    free(p);
  }
  close_handle(dl);
  return 0;
}

/* Writes the file a plugin name resolves to inside `dir`: DIR/NAME.so, or
 * DIR/NAME/.libs/NAME.so (the layout of a libtool build tree). Returns 1
 * when one of them exists. */
static int resolve_in_dir(const char *dir, const char *name, char *buf, size_t cap) {
  int n;

  n = snprintf(buf, cap, "%s/%s.so", dir, name);
  if (n > 0 && (size_t)n < cap && access(buf, F_OK) == 0)
    return 1;
  n = snprintf(buf, cap, "%s/%s/.libs/%s.so", dir, name, name);
  if (n > 0 && (size_t)n < cap && access(buf, F_OK) == 0)
    return 1;
  return 0;
}

int gkdc_plugin_load_named(const char *dir, const char *name, gkdc_plugin **out) {
  char file[4096];

  if (strchr(name, '/') != NULL)
    return gkdc_plugin_load(name, out);
  if (!resolve_in_dir(dir, name, file, sizeof(file))) {
    gkdc_log(GKDC_LOG_ERR, "host", "plugin %s not found: no %s/%s.so", name, dir, name);
    return 0;
  }
  return gkdc_plugin_load(file, out);
}

/* ---- loading what the config names ---- */

/* Most directories searched for plugins. */
#define MAX_PLUGIN_DIRS 16

struct dir_list {
  const char *dirs[MAX_PLUGIN_DIRS];
  size_t count;
  char *owned; /* copy of $GKDC_PLUGIN_PATH that dirs point into */
};

/* Collects the plugin directories: the config's plugin_dir (a string or a
 * list), else $GKDC_PLUGIN_PATH (colon-separated), else GKDC_PLUGINDIR. */
static void collect_dirs(const gkdc_cfg *root, struct dir_list *list) {
  const gkdc_cfg *node = gkdc_cfg_get0(root, "plugin_dir");
  const char *env = getenv("GKDC_PLUGIN_PATH");
  const char *dir;
  char *save = NULL, *tok;
  size_t i;

  memset(list, 0, sizeof(*list));
  if (gkdc_cfg_get_string(node, NULL, &dir)) {
    list->dirs[list->count++] = dir;
    return;
  }
  if (node != NULL) {
    for (i = 0; i < gkdc_cfg_count(node) && list->count < MAX_PLUGIN_DIRS; i++) {
      if (gkdc_cfg_get_string(gkdc_cfg_elem0(node, i), NULL, &dir))
        list->dirs[list->count++] = dir;
    }
    return;
  }
  if (env != NULL && env[0] != '\0' && (list->owned = strdup(env)) != NULL) {
    for (tok = strtok_r(list->owned, ":", &save);
         tok != NULL && list->count < MAX_PLUGIN_DIRS;
         tok = strtok_r(NULL, ":", &save))
      list->dirs[list->count++] = tok;
    return;
  }
  list->dirs[list->count++] = GKDC_PLUGINDIR;
}

/* Loads the plugin `name` of the plugins list from the first directory that
 * has it; returns 1, or 0 after logging one line. */
static int load_listed(const struct dir_list *list, const gkdc_cfg *item,
                       const char *name) {
  char file[4096], searched[1024];
  size_t i, used = 0;

  if (strchr(name, '/') != NULL)
    return gkdc_plugin_load(name, NULL);

  searched[0] = '\0';
  for (i = 0; i < list->count; i++) {
    if (resolve_in_dir(list->dirs[i], name, file, sizeof(file)))
      return gkdc_plugin_load(file, NULL);
    if (used < sizeof(searched))
      used += (size_t)snprintf(searched + used, sizeof(searched) - used, "%s%s",
                               i ? ":" : "", list->dirs[i]);
  }
  gkdc_log(GKDC_LOG_ERR, "host",
           "config %s: plugin %s not found in %s; set plugin_dir or GKDC_PLUGIN_PATH",
           gkdc_cfg_where(item), name, searched);
  return 0;
}

/* Checks that every plugin_config section names a loaded plugin. */
static int check_sections(const gkdc_cfg *root) {
  const gkdc_cfg *sections = gkdc_cfg_get0(root, "plugin_config");
  const gkdc_cfg *section;
  size_t i;
  int ok = 1;

  for (i = 0; i < gkdc_cfg_count(sections); i++) {
    section = gkdc_cfg_elem0(sections, i);
    if (find_by_name(gkdc_cfg_name(section)) == NULL) {
      gkdc_log(GKDC_LOG_ERR, "host",
               "config %s: plugin_config.%s: no loaded plugin is named %s",
               gkdc_cfg_where(section), gkdc_cfg_name(section),
               gkdc_cfg_name(section));
      ok = 0;
    }
  }
  return ok;
}

int gkdc_plugins_load_config(void) {
  const gkdc_cfg *root = gkdc_config_root();
  const gkdc_cfg *names = gkdc_cfg_get0(root, "plugins");
  const gkdc_cfg *item;
  struct dir_list list;
  const char *name;
  size_t i;
  int ok = 1;

  if (root == NULL) {
    GKDC_ERR("no config is loaded");
    return 0;
  }
  collect_dirs(root, &list);

  /* Load every listed plugin even after a failure, so that one run reports
   * all problems of a config. */
  for (i = 0; i < gkdc_cfg_count(names); i++) {
    item = gkdc_cfg_elem0(names, i);
    if (!gkdc_cfg_get_string(item, NULL, &name) || !load_listed(&list, item, name))
      ok = 0;
  }
  free(list.owned);

  /* After a failed load, a section of the failed plugin would be reported
   * a second time as naming no plugin. */
  if (ok && !check_sections(root))
    ok = 0;
  return ok;
}

/* ---- init and fini ---- */

/* Init order by kind: what others look up in their init comes first. */
static const uint32_t init_rank[] = {
    GKDC_PLUGIN_ALG,     GKDC_PLUGIN_STORE,      GKDC_PLUGIN_CREDFMT,
    GKDC_PLUGIN_POP,     GKDC_PLUGIN_APPPROFILE, GKDC_PLUGIN_PROFILE,
    GKDC_PLUGIN_AS,      GKDC_PLUGIN_KDC,
};

static int init_one(gkdc_plugin *p) {
  void *state = NULL;

  if (p->desc->init != NULL && !p->desc->init(p, gkdc_host_api(), &state)) {
    gkdc_log(GKDC_LOG_ERR, "host", "plugin %s (%s): init failed", p->desc->name,
             p->file);
    return 0;
  }
  p->state = state;
  p->initialized = 1;
  init_order[init_count++] = p;
  gkdc_log(GKDC_LOG_DEBUG, "host", "plugin %s initialized", p->desc->name);
  return 1;
}

int gkdc_plugins_init_all(void) {
  gkdc_plugin **grown, *p;
  size_t r;

  grown = realloc(init_order, (plugin_count ? plugin_count : 1) * sizeof(*grown));
  if (grown == NULL) {
    GKDC_ERR("out of memory");
    return 0;
  }
  init_order = grown;

  for (r = 0; r < sizeof(init_rank) / sizeof(init_rank[0]); r++) {
    for (p = first_plugin; p != NULL; p = p->next) {
      if (p->desc->kind != init_rank[r] || p->initialized)
        continue;
      if (!init_one(p))
        return 0;
    }
  }
  return 1;
}

static void fini_one(gkdc_plugin *p) {
  /* No lookup may reach the plugin once its fini has started. */
  p->initialized = 0;

  /* Its routes and timers go first, so none of them runs during or after
   * its fini. */
  gkdc_router_remove_owner(p);
  gkdc_timer_cancel_owner(p);
  if (p->desc->fini != NULL)
    p->desc->fini(p->state);
  p->state = NULL;
  gkdc_log(GKDC_LOG_DEBUG, "host", "plugin %s finished", p->desc->name);
}

void gkdc_plugins_unload_all(void) {
  gkdc_plugin *p, *next;

  while (init_count > 0)
    fini_one(init_order[--init_count]);
  free(init_order);
  init_order = NULL;

  gkdc_registry_clear();
  for (p = first_plugin; p != NULL; p = next) {
    next = p->next;
    close_handle(p->dl);
    free(p->file);
    free(p);
  }
  first_plugin = NULL;
  last_plugin = NULL;
  plugin_count = 0;
}

gkdc_plugin *gkdc_plugins_first(void) { return first_plugin; }
