/*
 * The host config file (libconfig syntax) and the gkdc_cfg accessors.
 *
 * A gkdc_cfg pointer is a libconfig config_setting_t pointer behind an
 * opaque type, so plugins never include <libconfig.h>. The host checks the
 * settings it owns (the top-level keys of the table below) when it loads a
 * file. Each plugin checks its own section under plugin_config.
 */
#include <config.h>

#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/* The loaded config, or NULL. */
static config_t *loaded_config;
/* Source name that gkdc_cfg_where() prints for settings without a file. */
static char *loaded_label;

static config_setting_t *setting_of(const gkdc_cfg *node) {
  return (config_setting_t *)node;
}

static const gkdc_cfg *node_of(const config_setting_t *setting) {
  return (const gkdc_cfg *)setting;
}

/* ---- reporting ---- */

static const char *type_name(int type) {
  switch (type) {
  case CONFIG_TYPE_GROUP:
    return "a group";
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    return "an integer";
  case CONFIG_TYPE_FLOAT:
    return "a float";
  case CONFIG_TYPE_STRING:
    return "a string";
  case CONFIG_TYPE_BOOL:
    return "a boolean";
  case CONFIG_TYPE_ARRAY:
    return "an array";
  case CONFIG_TYPE_LIST:
    return "a list";
  default:
    return "an unknown type";
  }
}

/* Writes the dotted path of a setting ("listen.[0].uri") into buf. */
static void setting_path(const config_setting_t *s, char *buf, size_t cap) {
  char tail[256];
  const char *name;

  buf[0] = '\0';
  for (; s != NULL && !config_setting_is_root(s); s = config_setting_parent(s)) {
    name = config_setting_name(s);
    if (name != NULL)
      snprintf(tail, sizeof(tail), "%s%s%s", name, buf[0] ? "." : "", buf);
    else
      snprintf(tail, sizeof(tail), "[%d]%s%s", config_setting_index(s),
               buf[0] ? "." : "", buf);
    snprintf(buf, cap, "%s", tail);
  }
}

/* Logs "config FILE:LINE: PATH: message" for a setting. */
static void __attribute__((format(printf, 2, 3)))
report(const config_setting_t *s, const char *fmt, ...) {
  char path[256];
  char msg[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  setting_path(s, path, sizeof(path));
  gkdc_log(GKDC_LOG_ERR, "host", "config %s: %s: %s", gkdc_cfg_where(node_of(s)),
           path[0] ? path : "(root)", msg);
}

static int expect_type(const config_setting_t *s, int type) {
  if (config_setting_type(s) == type)
    return 1;
  report(s, "expected %s, got %s", type_name(type), type_name(config_setting_type(s)));
  return 0;
}

/* ---- schema of the host's own settings ---- */

static int check_string(const config_setting_t *s) {
  if (!expect_type(s, CONFIG_TYPE_STRING))
    return 0;
  if (config_setting_get_string(s)[0] == '\0') {
    report(s, "must not be empty");
    return 0;
  }
  return 1;
}

/* A list or array of non-empty strings. */
static int check_string_list(const config_setting_t *s) {
  int i, n;

  if (config_setting_type(s) != CONFIG_TYPE_LIST &&
      config_setting_type(s) != CONFIG_TYPE_ARRAY) {
    report(s, "expected a list of strings, got %s", type_name(config_setting_type(s)));
    return 0;
  }
  n = config_setting_length(s);
  for (i = 0; i < n; i++) {
    if (!check_string(config_setting_get_elem(s, (unsigned)i)))
      return 0;
  }
  return 1;
}

static int check_string_or_string_list(const config_setting_t *s) {
  if (config_setting_type(s) == CONFIG_TYPE_STRING)
    return check_string(s);
  return check_string_list(s);
}

static int check_log(const config_setting_t *s) {
  config_setting_t *member;
  const char *name;
  int i, level;

  if (!expect_type(s, CONFIG_TYPE_GROUP))
    return 0;
  for (i = 0; i < config_setting_length(s); i++) {
    member = config_setting_get_elem(s, (unsigned)i);
    name = config_setting_name(member);

    if (strcmp(name, "level") == 0) {
      if (!check_string(member))
        return 0;
      if (!gkdc_log_level_from_name(config_setting_get_string(member), &level)) {
        report(member, "unknown level \"%s\"; use error, warning, notice, info or debug",
               config_setting_get_string(member));
        return 0;
      }
    } else if (strcmp(name, "sink") == 0) {
      if (!check_string(member))
        return 0;
      if (strcmp(config_setting_get_string(member), "stderr") != 0 &&
          strcmp(config_setting_get_string(member), "syslog") != 0) {
        report(member, "unknown sink \"%s\"; use stderr or syslog",
               config_setting_get_string(member));
        return 0;
      }
    } else {
      report(member, "unknown setting; log takes level and sink");
      return 0;
    }
  }
  return 1;
}

/* A list of groups, each with a `uri` string. The CoAP part of the host
 * checks the URI itself and any further keys of an entry. */
static int check_listen(const config_setting_t *s) {
  config_setting_t *entry, *uri;
  int i;

  if (!expect_type(s, CONFIG_TYPE_LIST))
    return 0;
  for (i = 0; i < config_setting_length(s); i++) {
    entry = config_setting_get_elem(s, (unsigned)i);
    if (!expect_type(entry, CONFIG_TYPE_GROUP))
      return 0;
    uri = config_setting_get_member(entry, "uri");
    if (uri == NULL) {
      report(entry, "missing uri (e.g. uri = \"coap://127.0.0.1:5683\";)");
      return 0;
    }
    if (!check_string(uri))
      return 0;
  }
  return 1;
}

/* A group of groups, one per plugin; whether each names a loaded plugin is
 * checked when the plugins are loaded. */
static int check_plugin_config(const config_setting_t *s) {
  int i;

  if (!expect_type(s, CONFIG_TYPE_GROUP))
    return 0;
  for (i = 0; i < config_setting_length(s); i++) {
    if (!expect_type(config_setting_get_elem(s, (unsigned)i), CONFIG_TYPE_GROUP))
      return 0;
  }
  return 1;
}

/*
 * The top-level settings. Any other top-level key is an error, so that a
 * typo does not silently fall back to a default. A part of the host that
 * reads a new top-level setting adds one line here.
 */
static const struct {
  const char *name;
  int (*check)(const config_setting_t *s);
} top_level_keys[] = {
    {"log", check_log},
    {"plugin_dir", check_string_or_string_list},
    {"plugins", check_string_list},
    {"state_dir", check_string},
    {"listen", check_listen},
    {"plugin_config", check_plugin_config},
};

#define TOP_LEVEL_KEY_COUNT (sizeof(top_level_keys) / sizeof(top_level_keys[0]))

static int check_root(const config_setting_t *root) {
  config_setting_t *member;
  const char *name;
  size_t k;
  int i;

  for (i = 0; i < config_setting_length(root); i++) {
    member = config_setting_get_elem(root, (unsigned)i);
    name = config_setting_name(member);

    for (k = 0; k < TOP_LEVEL_KEY_COUNT; k++) {
      if (strcmp(top_level_keys[k].name, name) == 0)
        break;
    }
    if (k == TOP_LEVEL_KEY_COUNT) {
      report(member, "unknown setting; the top-level settings are log, plugin_dir, "
                     "plugins, state_dir, listen and plugin_config");
      return 0;
    }
    if (!top_level_keys[k].check(member))
      return 0;
  }
  return 1;
}

/* ---- loading ---- */

static void destroy_loaded_config(void) {
  if (loaded_config == NULL)
    return;
  config_destroy(loaded_config);
  free(loaded_config);
  loaded_config = NULL;
}

/* Sets the directory of `path` as the base of @include directives; libconfig
 * copies the string. Returns 1, or 0 when out of memory. */
static int set_include_dir(config_t *cfg, const char *path) {
  char *dir;
  char *slash;

  if (strchr(path, '/') == NULL) {
    config_set_include_dir(cfg, ".");
    return 1;
  }
  dir = strdup(path);
  if (dir == NULL)
    return 0;
  slash = strrchr(dir, '/');
  if (slash == dir)
    dir[1] = '\0';
  else
    *slash = '\0';
  config_set_include_dir(cfg, dir);
  free(dir);
  return 1;
}

/*
 * Parses the file `path`, or `text` when path is NULL, checks the schema
 * and, only when both succeed, replaces the loaded config. `label` names the
 * source in messages when libconfig has no file name for it.
 */
static int load(const char *path, const char *text, const char *label) {
  struct stat st;
  config_t *cfg;
  char *old_label;
  int ok = 0;

  cfg = malloc(sizeof(*cfg));
  if (cfg == NULL) {
    GKDC_ERR("config %s: out of memory", label);
    return 0;
  }
  config_init(cfg);

  /* Swap the label first so that gkdc_cfg_where() names this source
   * during the checks; restore it on failure. */
  old_label = loaded_label;
  loaded_label = strdup(label);
  if (loaded_label == NULL) {
    GKDC_ERR("config %s: out of memory", label);
    goto out;
  }

  /* A relative @include "FILE" is found in the config file's directory
   * (libconfig 1.5 uses that one directory for nested includes too). */
  if (path != NULL && !set_include_dir(cfg, path)) {
    GKDC_ERR("config %s: out of memory", label);
    goto out;
  }

  /* libconfig opens a directory without error and then fails with an
   * unrelated errno, so a directory is named here. */
  if (path != NULL && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    GKDC_ERR("config %s: is a directory; give the path of the config file", label);
    goto out;
  }

  if (path != NULL ? !config_read_file(cfg, path) : !config_read_string(cfg, text)) {
    if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
      GKDC_ERR("config %s: cannot read the file: %s", label, strerror(errno));
    else
      GKDC_ERR("config %s:%d: %s",
               config_error_file(cfg) != NULL ? config_error_file(cfg) : label,
               config_error_line(cfg), config_error_text(cfg));
    goto out;
  }
  if (!check_root(config_root_setting(cfg)))
    goto out;

  destroy_loaded_config();
  loaded_config = cfg;
  cfg = NULL;
  free(old_label);
  old_label = NULL;
  ok = 1;

out:
  if (cfg != NULL) {
    config_destroy(cfg);
    free(cfg);
    free(loaded_label);
    loaded_label = old_label;
  }
  return ok;
}

int gkdc_config_load(const char *path) {
  if (path == NULL)
    return load(NULL, gkdc_config_default_text(), "(built-in default config)");
  return load(path, NULL, path);
}

int gkdc_config_load_string(const char *text) {
  return load(NULL, text, "(config string)");
}

void gkdc_config_free(void) {
  destroy_loaded_config();
  free(loaded_label);
  loaded_label = NULL;
}

const gkdc_cfg *gkdc_config_root(void) {
  if (loaded_config == NULL)
    return NULL;
  return node_of(config_root_setting(loaded_config));
}

int gkdc_config_open_log(void) {
  const gkdc_cfg *root = gkdc_config_root();
  const char *sink = "stderr";
  const char *level_name = "info";
  int level = GKDC_LOG_INFO;

  /* The schema check has already accepted both values. */
  gkdc_cfg_get_string(root, "log.sink", &sink);
  gkdc_cfg_get_string(root, "log.level", &level_name);
  gkdc_log_level_from_name(level_name, &level);
  if (!gkdc_log_open(sink, level)) {
    GKDC_ERR("config: cannot open log sink \"%s\"", sink);
    return 0;
  }
  return 1;
}

const char *gkdc_config_state_dir(void) {
  const char *dir = ".";

  gkdc_cfg_get_string(gkdc_config_root(), "state_dir", &dir);
  return dir;
}

const gkdc_cfg *gkdc_config_plugin_section(const char *name) {
  const gkdc_cfg *sections = gkdc_cfg_get0(gkdc_config_root(), "plugin_config");

  if (sections == NULL || name == NULL)
    return NULL;
  return node_of(config_setting_get_member(setting_of(sections), name));
}

/* ---- accessors of <gkdc/host.h> ---- */

const gkdc_cfg *gkdc_cfg_get0(const gkdc_cfg *node, const char *path) {
  if (node == NULL)
    return NULL;
  if (path == NULL || path[0] == '\0')
    return node;
  return node_of(config_setting_lookup(setting_of(node), path));
}

/* Finds `path` below `node` with type `type`, or returns NULL. */
static config_setting_t *lookup_typed(const gkdc_cfg *node, const char *path,
                                      int type) {
  config_setting_t *s = setting_of(gkdc_cfg_get0(node, path));

  if (s == NULL || config_setting_type(s) != type)
    return NULL;
  return s;
}

int gkdc_cfg_get_string(const gkdc_cfg *node, const char *path, const char **out) {
  config_setting_t *s = lookup_typed(node, path, CONFIG_TYPE_STRING);

  if (s == NULL)
    return 0;
  *out = config_setting_get_string(s);
  return 1;
}

int gkdc_cfg_get_int(const gkdc_cfg *node, const char *path, int64_t *out) {
  config_setting_t *s = setting_of(gkdc_cfg_get0(node, path));

  if (s == NULL)
    return 0;
  if (config_setting_type(s) != CONFIG_TYPE_INT &&
      config_setting_type(s) != CONFIG_TYPE_INT64)
    return 0;
  *out = (int64_t)config_setting_get_int64(s);
  return 1;
}

int gkdc_cfg_get_bool(const gkdc_cfg *node, const char *path, int *out) {
  config_setting_t *s = lookup_typed(node, path, CONFIG_TYPE_BOOL);

  if (s == NULL)
    return 0;
  *out = config_setting_get_bool(s) ? 1 : 0;
  return 1;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int gkdc_cfg_get_hex(const gkdc_cfg *node, const char *path, uint8_t *buf,
                     size_t cap, size_t *len_out) {
  const char *text;
  size_t text_len, i;
  int high, low;

  if (!gkdc_cfg_get_string(node, path, &text))
    return 0;
  text_len = strlen(text);
  if (text_len % 2 != 0 || text_len / 2 > cap)
    return 0;

  /* Check every digit before writing, so that buf is untouched on failure. */
  for (i = 0; i < text_len; i++) {
    if (hex_value(text[i]) < 0)
      return 0;
  }
  for (i = 0; i < text_len / 2; i++) {
    high = hex_value(text[2 * i]);
    low = hex_value(text[2 * i + 1]);
    buf[i] = (uint8_t)((high << 4) | low);
  }
  *len_out = text_len / 2;
  return 1;
}

size_t gkdc_cfg_count(const gkdc_cfg *node) {
  if (node == NULL || !config_setting_is_aggregate(setting_of(node)))
    return 0;
  return (size_t)config_setting_length(setting_of(node));
}

const gkdc_cfg *gkdc_cfg_elem0(const gkdc_cfg *node, size_t index) {
  if (index >= gkdc_cfg_count(node))
    return NULL;
  return node_of(config_setting_get_elem(setting_of(node), (unsigned)index));
}

const char *gkdc_cfg_name(const gkdc_cfg *node) {
  if (node == NULL)
    return NULL;
  return config_setting_name(setting_of(node));
}

const char *gkdc_cfg_where(const gkdc_cfg *node) {
  /* A few rotating buffers, so that one message can name two places. */
  static char buffers[4][512];
  static unsigned next;
  const config_setting_t *s = setting_of(node);
  const char *file;
  char *buf = buffers[next++ % 4];

  if (s == NULL) {
    snprintf(buf, sizeof(buffers[0]), "(no setting)");
    return buf;
  }
  file = config_setting_source_file(s);
  if (file == NULL)
    file = loaded_label != NULL ? loaded_label : "(config)";

  /* libconfig records an included file by the name in the @include
   * directive, which is relative to the include directory. */
  if (file[0] != '/' && (loaded_label == NULL || strcmp(file, loaded_label) != 0) &&
      s->config != NULL && config_get_include_dir(s->config) != NULL) {
    snprintf(buf, sizeof(buffers[0]), "%s/%s:%u", config_get_include_dir(s->config),
             file, config_setting_source_line(s));
    return buf;
  }
  snprintf(buf, sizeof(buffers[0]), "%s:%u", file, config_setting_source_line(s));
  return buf;
}
