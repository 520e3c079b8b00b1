/*
 * Helpers of the client-side subcommands; see client_tool.h.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client_tool.h"
#include "internal.h"

/* Largest CBOR a scope text may turn into. */
#define SCOPE_MAX 1024
/* Nesting limit of a JSON-like scope. */
#define SCOPE_MAX_DEPTH 8

static int host_plugins_loaded;
static int host_config_loaded;
static int host_coap_started;

int gkdc_tool_host_start(const char *config_file, const char *plugins, const char *listen_uri,
                         int verbose) {
  char text[1024];
  int n;

  gkdc_log_open("stderr", verbose ? GKDC_LOG_DEBUG : GKDC_LOG_WARNING);
  if (config_file != NULL) {
    if (!gkdc_config_load(config_file))
      return 0;
  } else {
    if (listen_uri != NULL && strpbrk(listen_uri, "\"\\\n") != NULL) {
      GKDC_ERR("invalid listen URI \"%s\"", listen_uri);
      return 0;
    }
    n = snprintf(text, sizeof(text),
                 "log = { level = \"%s\"; sink = \"stderr\"; };\n"
                 "plugins = ( %s );\n"
                 "%s%s%s",
                 verbose ? "debug" : "warning", plugins,
                 listen_uri != NULL ? "listen = ( { uri = \"" : "",
                 listen_uri != NULL ? listen_uri : "", listen_uri != NULL ? "\"; } );\n" : "");
    if (n < 0 || (size_t)n >= sizeof(text) || !gkdc_config_load_string(text))
      return 0;
  }
  host_config_loaded = 1;
  if (!gkdc_config_open_log())
    goto fail;
  if (verbose)
    gkdc_log_set_level(GKDC_LOG_DEBUG);

  host_plugins_loaded = 1;
  if (!gkdc_plugins_load_config() || !gkdc_plugins_init_all())
    goto fail;
  if (gkdc_cfg_get0(gkdc_config_root(), "listen") != NULL) {
    if (!gkdc_coap_start(gkdc_config_root()))
      goto fail;
    host_coap_started = 1;
  }
  return 1;

fail:
  gkdc_tool_host_stop();
  return 0;
}

void gkdc_tool_host_stop(void) {
  if (host_coap_started)
    gkdc_coap_release_exchanges();
  if (host_plugins_loaded)
    gkdc_plugins_unload_all();
  if (host_coap_started)
    gkdc_coap_stop();
  if (host_config_loaded)
    gkdc_config_free();
  host_plugins_loaded = host_config_loaded = host_coap_started = 0;
}

int gkdc_tool_host_has_coap(void) {
  return host_coap_started;
}

static int hex_digit(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = tolower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

int gkdc_tool_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len) {
  size_t n = strlen(hex), i;

  if (n % 2 != 0 || n / 2 > cap)
    return 0;
  for (i = 0; i < n / 2; i++) {
    int hi = hex_digit((unsigned char)hex[2 * i]);
    int lo = hex_digit((unsigned char)hex[2 * i + 1]);

    if (hi < 0 || lo < 0)
      return 0;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  *len = n / 2;
  return 1;
}

int gkdc_tool_write_file(const char *path, const uint8_t *data, size_t len, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  size_t done = 0;

  if (fd < 0) {
    fprintf(stderr, "gkdc: cannot write %s: %s\n", path, strerror(errno));
    return 0;
  }
  /* open() applies the mode only to a new file. */
  if (fchmod(fd, mode) != 0) {
    fprintf(stderr, "gkdc: cannot set the mode of %s: %s\n", path, strerror(errno));
    close(fd);
    return 0;
  }
  while (done < len) {
    ssize_t w = write(fd, data + done, len - done);

    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      fprintf(stderr, "gkdc: write to %s failed: %s\n", path, strerror(errno));
      close(fd);
      return 0;
    }
    done += (size_t)w;
  }
  if (close(fd) != 0) {
    fprintf(stderr, "gkdc: write to %s failed: %s\n", path, strerror(errno));
    return 0;
  }
  return 1;
}

int gkdc_tool_read_file(const char *path, size_t max, uint8_t **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  size_t n;

  if (f == NULL) {
    fprintf(stderr, "gkdc: cannot read %s: %s\n", path, strerror(errno));
    return 0;
  }
  buf = malloc(max + 1);
  if (buf == NULL) {
    fclose(f);
    return 0;
  }
  n = fread(buf, 1, max + 1, f);
  if (ferror(f) || n > max) {
    fprintf(stderr, "gkdc: cannot read %s: %s\n", path,
            n > max ? "file too large" : strerror(errno));
    fclose(f);
    free(buf);
    return 0;
  }
  fclose(f);
  *data = buf;
  *len = n;
  return 1;
}

/* ---- JSON-like scope text ---- */

struct scope_parser {
  const char *p;
  struct gkdc_cbor_enc *e;
  const char *error;
};

static void skip_space(struct scope_parser *sp) {
  while (isspace((unsigned char)*sp->p))
    sp->p++;
}

static int parse_value(struct scope_parser *sp, unsigned depth);

/* Parses "[v, v, ...]": counts the elements in a dry run first, because
 * the CBOR array head comes before them. */
static int parse_array(struct scope_parser *sp, unsigned depth) {
  struct scope_parser count = *sp;
  struct gkdc_cbor_enc none;
  size_t n = 0;

  gkdc_cbor_enc_init(&none, NULL, 0);
  count.e = &none;
  count.p++;
  skip_space(&count);
  if (*count.p != ']') {
    for (;;) {
      if (!parse_value(&count, depth + 1)) {
        sp->error = count.error;
        sp->p = count.p;
        return 0;
      }
      n++;
      skip_space(&count);
      if (*count.p == ',') {
        count.p++;
        continue;
      }
      if (*count.p == ']')
        break;
      sp->error = "expected ',' or ']'";
      sp->p = count.p;
      return 0;
    }
  }

  gkdc_cbor_enc_put_array(sp->e, n);
  sp->p++;
  for (size_t i = 0; i < n; i++) {
    skip_space(sp);
    parse_value(sp, depth + 1);
    skip_space(sp);
    if (*sp->p == ',')
      sp->p++;
  }
  skip_space(sp);
  sp->p++; /* ']' */
  return 1;
}

static int parse_value(struct scope_parser *sp, unsigned depth) {
  skip_space(sp);
  if (depth > SCOPE_MAX_DEPTH) {
    sp->error = "nested too deeply";
    return 0;
  }
  if (*sp->p == '[')
    return parse_array(sp, depth);
  if (*sp->p == '"') {
    const char *end = strchr(sp->p + 1, '"');

    if (end == NULL || memchr(sp->p + 1, '\\', (size_t)(end - sp->p - 1)) != NULL) {
      sp->error = "unterminated string, or a backslash escape (not supported)";
      return 0;
    }
    gkdc_cbor_enc_put_tstr(sp->e, sp->p + 1, (size_t)(end - sp->p - 1));
    sp->p = end + 1;
    return 1;
  }
  if (*sp->p == '-' || isdigit((unsigned char)*sp->p)) {
    char *end;
    long long v;

    errno = 0;
    v = strtoll(sp->p, &end, 10);
    if (errno != 0 || end == sp->p) {
      sp->error = "invalid integer";
      return 0;
    }
    gkdc_cbor_enc_put_int(sp->e, v);
    sp->p = end;
    return 1;
  }
  sp->error = "expected '[', a string or an integer";
  return 0;
}

static int is_hex_text(const char *text) {
  size_t n = strlen(text), i;

  if (n == 0 || n % 2 != 0)
    return 0;
  for (i = 0; i < n; i++) {
    if (!isxdigit((unsigned char)text[i]))
      return 0;
  }
  return 1;
}

int gkdc_tool_encode_scope(const char *text, struct gkdc_cbor_enc *e) {
  uint8_t buf[SCOPE_MAX];
  struct gkdc_cbor_enc inner;
  struct scope_parser sp;
  size_t len;
  const char *start = text;

  while (isspace((unsigned char)*start))
    start++;
  if (*start == '[') {
    gkdc_cbor_enc_init(&inner, buf, sizeof(buf));
    memset(&sp, 0, sizeof(sp));
    sp.p = start;
    sp.e = &inner;
    if (!parse_value(&sp, 0)) {
      fprintf(stderr, "gkdc: invalid scope at offset %zu: %s\n", (size_t)(sp.p - text),
              sp.error);
      return 0;
    }
    skip_space(&sp);
    if (*sp.p != '\0') {
      fprintf(stderr, "gkdc: invalid scope: text after the closing ']'\n");
      return 0;
    }
    if (gkdc_cbor_enc_finish(&inner, &len) != GKDC_CBOR_OK) {
      fprintf(stderr, "gkdc: the scope is longer than %d bytes of CBOR\n", SCOPE_MAX);
      return 0;
    }
    gkdc_cbor_enc_put_bstr(e, buf, len);
    return 1;
  }
  if (is_hex_text(text) && gkdc_tool_hex_decode(text, buf, sizeof(buf), &len)) {
    gkdc_cbor_enc_put_bstr(e, buf, len);
    return 1;
  }
  gkdc_cbor_enc_put_tstr_z(e, text);
  return 1;
}

/* ---- blocking calls on the client ---- */

static void store_reply(void *arg, gkdc_client_request *req, int status,
                        const struct gkdc_client_response *resp) {
  struct gkdc_tool_reply *out = arg;

  (void)req;
  out->status = status;
  if (resp != NULL) {
    out->code = resp->code;
    out->content_format = resp->content_format;
    out->protected_response = resp->protected_response;
    memcpy(out->location_path, resp->location_path, sizeof(out->location_path));
    out->payload = malloc(resp->payload_len > 0 ? resp->payload_len : 1);
    if (out->payload != NULL) {
      if (resp->payload_len > 0)
        memcpy(out->payload, resp->payload, resp->payload_len);
      out->payload_len = resp->payload_len;
    }
  }
  out->done = 1;
}

int gkdc_tool_call(gkdc_client *c, gkdc_client_session *s, const struct gkdc_client_msg *msg,
                   struct gkdc_tool_reply *out) {
  uint32_t timeout = msg->timeout_ms != 0 ? msg->timeout_ms : GKDC_CLIENT_DEFAULT_TIMEOUT_MS;

  gkdc_client_request *req;

  memset(out, 0, sizeof(*out));
  req = gkdc_client_send(s, msg, store_reply, out);
  if (req == NULL) {
    fprintf(stderr, "gkdc: cannot send the request to /%s\n", msg->path != NULL ? msg->path : "");
    return 0;
  }
  /* The request's own timeout ends it; the margin covers a slow loop. */
  if (!gkdc_client_run_until(c, &out->done, timeout + 1000)) {
    gkdc_client_cancel(req); /* `out` must not be written after we return */
    fprintf(stderr, "gkdc: the event loop failed while waiting for /%s\n",
            msg->path != NULL ? msg->path : "");
    return 0;
  }
  if (out->status != GKDC_CLIENT_OK) {
    fprintf(stderr, "gkdc: request to /%s failed: %s\n", msg->path != NULL ? msg->path : "",
            gkdc_client_status_str(out->status));
    return 0;
  }
  if (out->payload == NULL) {
    fprintf(stderr, "gkdc: out of memory\n");
    return 0;
  }
  return 1;
}

void gkdc_tool_reply_clear(struct gkdc_tool_reply *r) {
  free(r->payload);
  r->payload = NULL;
  r->payload_len = 0;
}
