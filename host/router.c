/*
 * The router: the table of routes that plugins register, dispatch of plain
 * requests to their handlers, and the /.well-known/core listing (RFC 6690).
 *
 * The router never touches libcoap, so the same code serves requests that
 * arrived in plain CoAP, over DTLS or decrypted from OSCORE, and unit tests
 * call gkdc_router_dispatch() directly.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "authz_route.h"
#include "coap_glue.h"

/* Maximum length of a route path, in bytes. */
#define MAX_ROUTE_PATH 255

/* Every method a route may take. */
#define ALL_METHODS                                                            \
  (GKDC_METHOD_BIT(GKDC_GET) | GKDC_METHOD_BIT(GKDC_POST) |                  \
   GKDC_METHOD_BIT(GKDC_PUT) | GKDC_METHOD_BIT(GKDC_DELETE) |                \
   GKDC_METHOD_BIT(GKDC_FETCH) | GKDC_METHOD_BIT(GKDC_PATCH) |               \
   GKDC_METHOD_BIT(GKDC_IPATCH))

#define KNOWN_FLAGS (GKDC_ROUTE_PREFIX | GKDC_ROUTE_OBSERVABLE | GKDC_ROUTE_HIDDEN)

static struct gkdc_route_entry *routes;

/* Upper bound of the /.well-known/core document, in bytes. */
#define MAX_WELL_KNOWN_CORE 16384

/*
 * Checks a route path: non-empty, at most MAX_ROUTE_PATH bytes, visible
 * ASCII without '?' or '#', segments separated by single '/' with none
 * empty, and not the reserved ".well-known/core". Sets *segments.
 */
static int path_is_valid(const char *path, size_t *segments) {
  size_t i, len, count = 1;

  if (path == NULL)
    return 0;
  len = strlen(path);
  if (len == 0 || len > MAX_ROUTE_PATH || path[0] == '/' || path[len - 1] == '/')
    return 0;

  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)path[i];

    if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#')
      return 0;
    if (c == '/') {
      if (path[i + 1] == '/')
        return 0;
      count++;
    }
  }

  if (count > GKDC_MAX_PATH_SEGMENTS || strcmp(path, ".well-known/core") == 0)
    return 0;
  *segments = count;
  return 1;
}

static struct gkdc_route_entry *find_exact(const char *path) {
  struct gkdc_route_entry *r;

  for (r = routes; r != NULL; r = r->next) {
    if (strcmp(r->path, path) == 0)
      return r;
  }
  return NULL;
}

static void entry_free(struct gkdc_route_entry *r) {
  if (r == NULL)
    return;
  free(r->path);
  free(r->link_attrs);
  free(r);
}

/*
 * Registers a route of `owner` (NULL for the host). Returns 1, or 0 after
 * logging why when the path is invalid or taken, the methods or flags are
 * invalid, or the handler is missing.
 */
int gkdc_router_add(gkdc_plugin *owner, const struct gkdc_route *route) {
  struct gkdc_route_entry *r = NULL;
  size_t segments = 0;

  if (route == NULL || route->size < sizeof(struct gkdc_route)) {
    GKDC_ERR("route rejected: route table missing or too short");
    return 0;
  }
  if (!path_is_valid(route->path, &segments)) {
    GKDC_ERR("route rejected: invalid path \"%s\"; a path has 1 to %d segments "
             "of visible ASCII without ? and #, and no leading, trailing or double "
             "slash", route->path != NULL ? route->path : "(null)",
             GKDC_MAX_PATH_SEGMENTS);
    return 0;
  }
  if (route->handler == NULL) {
    GKDC_ERR("route rejected: %s has no handler", route->path);
    return 0;
  }
  if (route->methods == 0 || (route->methods & ~ALL_METHODS) != 0) {
    GKDC_ERR("route rejected: %s has invalid methods 0x%x; use GKDC_METHOD_BIT() "
             "of GET to IPATCH", route->path, route->methods);
    return 0;
  }
  if ((route->flags & ~KNOWN_FLAGS) != 0) {
    GKDC_ERR("route rejected: %s has unknown flags 0x%x", route->path,
             route->flags & ~KNOWN_FLAGS);
    return 0;
  }
  /* A profile's /authz-info joins the host's shared route. */
  if (gkdc_authz_route_wanted(owner, route))
    return gkdc_authz_route_claim(owner, route);
  if (find_exact(route->path) != NULL) {
    GKDC_ERR("route rejected: path %s is already registered", route->path);
    return 0;
  }

  r = calloc(1, sizeof(*r));
  if (r == NULL)
    goto oom;
  r->path = strdup(route->path);
  if (r->path == NULL)
    goto oom;
  if (route->link_attrs != NULL) {
    r->link_attrs = strdup(route->link_attrs);
    if (r->link_attrs == NULL)
      goto oom;
  }
  r->owner = owner;
  r->segment_count = segments;
  r->methods = route->methods;
  r->flags = route->flags;
  r->handler = route->handler;
  r->arg = route->arg;

  r->next = routes;
  routes = r;
  GKDC_DEBUG("route added: /%s", r->path);
  return 1;

oom:
  GKDC_ERR("route rejected: out of memory for %s", route->path);
  entry_free(r);
  return 0;
}

/* Unlinks one entry and drops its observers. */
static void unlink_entry(struct gkdc_route_entry **link) {
  struct gkdc_route_entry *r = *link;

  *link = r->next;
  gkdc_observe_drop_route(r);
  GKDC_DEBUG("route removed: /%s", r->path);
  entry_free(r);
}

/* Removes a route of `owner`. Returns 1, or 0 when it has no such route. */
int gkdc_router_remove(gkdc_plugin *owner, const char *path) {
  struct gkdc_route_entry **link;

  if (path == NULL)
    return 0;
  for (link = &routes; *link != NULL; link = &(*link)->next) {
    if ((*link)->owner == owner && strcmp((*link)->path, path) == 0) {
      unlink_entry(link);
      return 1;
    }
  }
  return 0;
}

/*
 * Removes every route of a plugin before its fini, and with them whatever
 * else the plugin registered with the CoAP glue (interceptor, notify hooks,
 * DTLS callbacks), because the loader calls only this and the timer cleanup.
 */
void gkdc_router_remove_owner(gkdc_plugin *owner) {
  struct gkdc_route_entry **link = &routes;

  gkdc_coap_forget_owner(owner);
  gkdc_authz_route_release(owner);

  while (*link != NULL) {
    if ((*link)->owner == owner)
      unlink_entry(link);
    else
      link = &(*link)->next;
  }
}

void gkdc_router_clear(void) {
  gkdc_authz_route_reset();
  while (routes != NULL)
    unlink_entry(&routes);
}

/*
 * Compares the first `count` segments of a request path with a route path.
 * Returns 1 when they are equal.
 */
static int segments_match(const char *route_path, const struct gkdc_bytes *path,
                          size_t count) {
  const char *p = route_path;
  size_t i;

  for (i = 0; i < count; i++) {
    const char *end = strchr(p, '/');
    size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

    if (path[i].len != len || (len > 0 && memcmp(path[i].ptr, p, len) != 0))
      return 0;
    p += len + (end != NULL ? 1 : 0);
  }
  return 1;
}

const struct gkdc_route_entry *gkdc_router_find(const struct gkdc_bytes *path,
                                                size_t path_count) {
  const struct gkdc_route_entry *r, *best = NULL;

  for (r = routes; r != NULL; r = r->next) {
    int exact = r->segment_count == path_count;
    int prefix = (r->flags & GKDC_ROUTE_PREFIX) != 0 && r->segment_count < path_count;

    if (!exact && !prefix)
      continue;
    if (best != NULL && best->segment_count >= r->segment_count)
      continue;
    if (segments_match(r->path, path, r->segment_count))
      best = r;
  }
  return best;
}

/* ---- /.well-known/core ---- */

/* A growing text buffer with a hard cap. */
struct text {
  char buf[MAX_WELL_KNOWN_CORE];
  size_t len;
  int overflow;
};

static void text_put(struct text *t, const char *s, size_t n) {
  if (t->overflow || n > sizeof(t->buf) - t->len) {
    t->overflow = 1;
    return;
  }
  memcpy(t->buf + t->len, s, n);
  t->len += n;
}

/*
 * Finds attribute `name` in a link_attrs string ("rt=\"a b\";ct=60;obs")
 * and sets *value and *len to its value without quotes. Returns 1 when the
 * attribute is present (an attribute without value gets an empty value).
 */
static int attr_find(const char *attrs, const char *name, size_t name_len,
                     const char **value, size_t *len) {
  const char *p = attrs;

  while (p != NULL && *p != '\0') {
    const char *end = p;
    const char *eq;
    int quoted = 0;

    /* Find the ';' that ends this attribute, skipping quoted parts. */
    while (*end != '\0' && (quoted || *end != ';')) {
      if (*end == '"')
        quoted = !quoted;
      end++;
    }
    eq = memchr(p, '=', (size_t)(end - p));

    if ((size_t)((eq != NULL ? eq : end) - p) == name_len &&
        memcmp(p, name, name_len) == 0) {
      if (eq == NULL) {
        *value = end;
        *len = 0;
      } else {
        const char *v = eq + 1;
        size_t vlen = (size_t)(end - v);

        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
          v++;
          vlen -= 2;
        }
        *value = v;
        *len = vlen;
      }
      return 1;
    }
    p = *end == ';' ? end + 1 : end;
  }
  return 0;
}

/* Matches one value against a filter value; a trailing '*' matches a prefix. */
static int value_matches(const char *v, size_t vlen, const uint8_t *f, size_t flen) {
  if (flen > 0 && f[flen - 1] == '*')
    return vlen >= flen - 1 && memcmp(v, f, flen - 1) == 0;
  return vlen == flen && memcmp(v, f, flen) == 0;
}

/*
 * Checks a route against a query filter "name=value" of RFC 6690, Section
 * 4.1: href matches the path ("/a/b"), other names match the route's
 * attribute, and for a space-separated attribute (rt, if, rel) any one of its
 * values. An unparsable filter matches nothing.
 */
static int route_matches_filter(const struct gkdc_route_entry *r,
                                const struct gkdc_bytes *filter) {
  const uint8_t *eq = memchr(filter->ptr, '=', filter->len);
  const uint8_t *fval;
  size_t name_len, flen;
  const char *value;
  size_t vlen;

  if (eq == NULL)
    return 0;
  name_len = (size_t)(eq - filter->ptr);
  fval = eq + 1;
  flen = filter->len - name_len - 1;

  if (name_len == 4 && memcmp(filter->ptr, "href", 4) == 0) {
    char href[MAX_ROUTE_PATH + 2];

    href[0] = '/';
    memcpy(href + 1, r->path, strlen(r->path) + 1);
    return value_matches(href, strlen(href), fval, flen);
  }

  if (r->link_attrs == NULL ||
      !attr_find(r->link_attrs, (const char *)filter->ptr, name_len, &value, &vlen))
    return 0;
  while (vlen > 0) {
    const char *space = memchr(value, ' ', vlen);
    size_t one = space != NULL ? (size_t)(space - value) : vlen;

    if (value_matches(value, one, fval, flen))
      return 1;
    if (space == NULL)
      break;
    vlen -= one + 1;
    value = space + 1;
  }
  return flen == 1 && fval[0] == '*';
}

static void serve_well_known_core(const struct gkdc_request *req,
                                  struct gkdc_response *resp) {
  static struct text text;
  const struct gkdc_bytes *filter = req->query_count > 0 ? &req->query[0] : NULL;
  const struct gkdc_route_entry *r;

  if (req->method != GKDC_GET) {
    resp->code = GKDC_CODE(4, 5);
    return;
  }

  text.len = 0;
  text.overflow = 0;
  for (r = routes; r != NULL; r = r->next) {
    if ((r->flags & GKDC_ROUTE_HIDDEN) != 0)
      continue;
    if (filter != NULL && !route_matches_filter(r, filter))
      continue;

    if (text.len > 0)
      text_put(&text, ",", 1);
    text_put(&text, "</", 2);
    text_put(&text, r->path, strlen(r->path));
    text_put(&text, ">", 1);
    if (r->link_attrs != NULL && r->link_attrs[0] != '\0') {
      text_put(&text, ";", 1);
      text_put(&text, r->link_attrs, strlen(r->link_attrs));
    }
  }

  if (text.overflow) {
    GKDC_ERR("/.well-known/core exceeds %d bytes", MAX_WELL_KNOWN_CORE);
    resp->code = GKDC_CODE(5, 0);
    return;
  }
  if (!gkdc_response_set(resp, GKDC_CODE(2, 5), GKDC_CF_LINK_FORMAT,
                         (const uint8_t *)text.buf, text.len))
    resp->code = GKDC_CODE(5, 0);
}

static int is_well_known_core(const struct gkdc_request *req) {
  return req->path_count == 2 && req->path[0].len == 11 &&
         memcmp(req->path[0].ptr, ".well-known", 11) == 0 && req->path[1].len == 4 &&
         memcmp(req->path[1].ptr, "core", 4) == 0;
}

int gkdc_router_dispatch(const struct gkdc_request *req, struct gkdc_response *resp) {
  const struct gkdc_route_entry *r;
  int result;

  if (is_well_known_core(req)) {
    serve_well_known_core(req, resp);
    return GKDC_HANDLED;
  }

  r = gkdc_router_find(req->path, req->path_count);
  if (r == NULL) {
    resp->code = GKDC_CODE(4, 4);
    return GKDC_HANDLED;
  }
  if (req->method > 31 || (r->methods & GKDC_METHOD_BIT(req->method)) == 0) {
    resp->code = GKDC_CODE(4, 5);
    return GKDC_HANDLED;
  }

  result = r->handler(r->arg, req, resp);
  if (result == GKDC_DEFERRED)
    return GKDC_DEFERRED;
  if (result != GKDC_HANDLED || resp->code == 0) {
    GKDC_ERR("handler of /%s returned %d without a response code; answering 5.00",
             r->path, result);
    gkdc_response_clear(resp);
    gkdc_response_init(resp);
    resp->code = GKDC_CODE(5, 0);
  }
  return GKDC_HANDLED;
}
