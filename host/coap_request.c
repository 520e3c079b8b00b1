/*
 * The libcoap side of a request: every request reaches one handler (the
 * unknown-resource handler for each method, plus /.well-known/core), which
 * turns the PDU into a plain gkdc_request, runs the router and writes the
 * gkdc_response back into the libcoap response PDU.
 *
 * Requests with an OSCORE option (number 9) skip the router and go to the
 * interceptor of a profile plugin; see coap_intercept.c.
 */
#include <config.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "coap_glue.h"

/* Decodes an unsigned option value of at most max_len bytes into *out. */
static int option_uint(const coap_opt_t *opt, size_t max_len, uint32_t *out) {
  size_t len = coap_opt_length(opt);

  if (len > max_len)
    return 0;
  *out = coap_decode_var_bytes(coap_opt_value(opt), len);
  return 1;
}

/* Appends an option value to views[0..max); returns 0 when they are full. */
static int append_view(struct gkdc_bytes *views, size_t *count, size_t max,
                       const coap_opt_t *opt) {
  if (*count == max)
    return 0;
  views[*count].ptr = coap_opt_value(opt);
  views[*count].len = coap_opt_length(opt);
  (*count)++;
  return 1;
}

void gkdc_coap_peer_text(coap_session_t *session, char *buf, size_t cap) {
  const coap_address_t *addr = coap_session_get_addr_remote(session);
  size_t n = 0;

  if (cap == 0)
    return;
  if (addr != NULL)
    n = coap_print_addr(addr, (unsigned char *)buf, cap - 1);
  buf[n < cap ? n : cap - 1] = '\0';
}

void gkdc_coap_fill_peer(coap_session_t *session, struct gkdc_peer *peer,
                         char *address, size_t address_cap) {
  memset(peer, 0, sizeof(*peer));
  peer->size = sizeof(*peer);
  gkdc_coap_peer_text(session, address, address_cap);
  peer->address = address;

  if (coap_session_get_proto(session) == COAP_PROTO_DTLS) {
    peer->transport = GKDC_TRANSPORT_DTLS;
    if (!gkdc_coap_dtls_identity(session, &peer->identity)) {
      peer->identity.ptr = NULL;
      peer->identity.len = 0;
    }
  } else {
    peer->transport = GKDC_TRANSPORT_UDP;
  }
}

uint8_t gkdc_coap_parse_request(coap_session_t *session, const coap_pdu_t *pdu,
                                struct gkdc_parsed_request *out) {
  coap_opt_iterator_t it;
  const coap_opt_t *opt;
  struct gkdc_request *req = &out->req;
  size_t len = 0, offset = 0, total = 0;
  const uint8_t *data = NULL;
  uint32_t value;

  memset(out, 0, sizeof(*out));
  req->size = sizeof(*req);
  req->method = coap_pdu_get_code(pdu);
  req->content_format = GKDC_CF_NONE;
  req->accept = GKDC_CF_NONE;
  req->observe = GKDC_OBSERVE_NONE;
  req->path = out->path;
  req->query = out->query;
  gkdc_coap_fill_peer(session, &out->peer, out->address, sizeof(out->address));
  req->peer = &out->peer;

  coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next(&it)) != NULL) {
    switch (it.number) {
    case COAP_OPTION_URI_PATH:
      if (!append_view(out->path, &req->path_count, GKDC_MAX_PATH_SEGMENTS, opt)) {
        gkdc_log(GKDC_LOG_INFO, "coap", "request from %s has more than %d Uri-Path options",
                 out->address, GKDC_MAX_PATH_SEGMENTS);
        return GKDC_CODE(4, 0);
      }
      break;

    case COAP_OPTION_URI_QUERY:
      if (!append_view(out->query, &req->query_count, GKDC_MAX_QUERIES, opt)) {
        gkdc_log(GKDC_LOG_INFO, "coap", "request from %s has more than %d Uri-Query options",
                 out->address, GKDC_MAX_QUERIES);
        return GKDC_CODE(4, 0);
      }
      break;

    case COAP_OPTION_CONTENT_FORMAT:
    case COAP_OPTION_ACCEPT:
      if (!option_uint(opt, 2, &value)) {
        gkdc_log(GKDC_LOG_INFO, "coap", "request from %s has an invalid %s option",
                 out->address,
                 it.number == COAP_OPTION_ACCEPT ? "Accept" : "Content-Format");
        return GKDC_CODE(4, 2);
      }
      if (it.number == COAP_OPTION_ACCEPT)
        req->accept = (int32_t)value;
      else
        req->content_format = (int32_t)value;
      break;

    case COAP_OPTION_OBSERVE:
      /* RFC 7641, Section 2: 0 registers, 1 deregisters; other values
       * carry no meaning in a request and are ignored. */
      if (option_uint(opt, 3, &value) && value <= 1)
        req->observe = (int32_t)value;
      break;

    default:
      break;
    }
  }

  /* libcoap passes one message's payload; a Block1 body is put together by
   * gkdc_coap_block1_collect() and replaces it after this function. */
  if (coap_get_data_large(pdu, &len, &data, &offset, &total)) {
    if (offset != 0 || total != len) {
      gkdc_log(GKDC_LOG_INFO, "coap", "request from %s has an incomplete body "
               "(%zu of %zu bytes at offset %zu)", out->address, len, total, offset);
      return GKDC_CODE(4, 8);
    }
    req->payload = data;
    req->payload_len = len;
  }
  return 0;
}

/* A copy of a response body that libcoap sends block by block. Bodies can
 * carry keying material, so the copy is wiped when libcoap releases it. */
struct body_copy {
  size_t len;
  uint8_t data[];
};

static void release_copy(coap_session_t *session, void *app_ptr) {
  struct body_copy *copy = app_ptr;

  explicit_bzero(copy->data, copy->len);
  free(copy);
}

/* True when `request` asks, with Block2, for a block that starts at or
 * after the end of a body of `length` bytes (the check of libcoap 4.3.1's
 * coap_add_data_large_response). */
static int block2_past_end(coap_session_t *session, const coap_pdu_t *request,
                           size_t length, unsigned *num) {
  coap_block_b_t block;

  if (request == NULL || !coap_get_block_b(session, request, COAP_OPTION_BLOCK2, &block))
    return 0;
  *num = block.num;
  return block.num != 0 && length <= ((size_t)block.num << (block.szx + 4));
}

int gkdc_coap_write_response(coap_resource_t *resource, coap_session_t *session,
                             const coap_pdu_t *request, const coap_string_t *query,
                             const struct gkdc_response *resp, coap_pdu_t *pdu) {
  uint8_t buf[8];
  size_t i;
  int has_cf = resp->content_format >= 0 && resp->content_format <= 0xffff;

  coap_pdu_set_code(pdu, resp->code);

  for (i = 0; i < resp->location_count && i < GKDC_MAX_LOCATION; i++) {
    const char *seg = resp->location[i];

    if (seg != NULL &&
        coap_add_option(pdu, COAP_OPTION_LOCATION_PATH, strlen(seg),
                        (const uint8_t *)seg) == 0)
      return 0;
  }

  if (resp->payload_len > 0 && resp->payload == NULL)
    return 0;

  if (resp->payload_len > 0 && has_cf) {
    /* libcoap keeps the body until the last block is sent, then calls
     * release_copy; it calls it on failure too.
     * NOTE: libcoap 4.3.1 matches later Block2 requests by resource, method
     * and query, and every route shares the unknown resource, so two
     * interleaved block-wise GETs of different paths on one session mix. */
    struct body_copy *copy;
    int max_age = resp->max_age < 0 ? -1
                  : resp->max_age > INT_MAX ? INT_MAX : (int)resp->max_age;
    unsigned num = 0;

    /* A block past the end is the client's error: libcoap would fail
     * here, and the host would answer 5.00 and log an error. */
    if (block2_past_end(session, request, resp->payload_len, &num)) {
      gkdc_log(GKDC_LOG_DEBUG, "coap", "Block2 number %u is past the end of the %zu-byte "
               "body; answering 4.00", num, resp->payload_len);
      coap_pdu_set_code(pdu, COAP_RESPONSE_CODE(400));
      return 1;
    }

    copy = malloc(sizeof(*copy) + resp->payload_len);
    if (copy == NULL)
      return 0;
    copy->len = resp->payload_len;
    memcpy(copy->data, resp->payload, resp->payload_len);
    return coap_add_data_large_response(resource, session, request, pdu, query,
                                        (uint16_t)resp->content_format, max_age, 0,
                                        copy->len, copy->data, release_copy, copy);
  }

  if (has_cf &&
      coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
                      coap_encode_var_safe(buf, sizeof(buf), (unsigned)resp->content_format),
                      buf) == 0)
    return 0;
  if (resp->max_age >= 0) {
    uint64_t max_age = resp->max_age > 0xffffffff ? 0xffffffff : (uint64_t)resp->max_age;

    if (coap_add_option(pdu, COAP_OPTION_MAXAGE,
                        coap_encode_var_safe8(buf, sizeof(buf), max_age), buf) == 0)
      return 0;
  }
  /* NOTE: a payload without Content-Format must fit in one PDU, because
   * libcoap 4.3.1 adds a Content-Format option to every block-wise body. */
  if (resp->payload_len > 0 && !coap_add_data(pdu, resp->payload_len, resp->payload))
    return 0;
  return 1;
}

/* Sets a bare response code, for errors found before a handler runs. */
static void answer_code(coap_pdu_t *response, uint8_t code) {
  coap_pdu_set_code(response, code);
}

/*
 * The handler of every request. Runs the router, registers observers of
 * observable routes, and leaves the response empty for a deferred request so
 * that libcoap sends an empty ACK (the separate response follows later).
 */
static void handle_request(coap_resource_t *resource, coap_session_t *session,
                           const coap_pdu_t *pdu, const coap_string_t *query,
                           coap_pdu_t *response) {
  struct gkdc_parsed_request parsed;
  struct gkdc_response resp;
  struct gkdc_exchange_state x;
  const struct gkdc_route_entry *route;
  coap_opt_iterator_t it;
  int64_t seq = -1;
  enum gkdc_block1_result block1;
  const uint8_t *body = NULL;
  size_t body_len = 0;
  uint8_t err;
  int result;

  /* The outer options of an OSCORE request are the profile's to check. */
  if (coap_check_option(pdu, COAP_OPTION_OSCORE, &it) != NULL) {
    gkdc_coap_intercept(session, pdu, response);
    return;
  }
  /* Block1 bodies are put together here, not by libcoap (coap_block1.c). */
  block1 = gkdc_coap_block1_collect(session, pdu, response, &body, &body_len);
  if (block1 == GKDC_BLOCK1_ANSWERED)
    return;

  err = gkdc_coap_parse_request(session, pdu, &parsed);
  if (err != 0) {
    answer_code(response, err);
    gkdc_coap_block1_release();
    return;
  }
  if (block1 == GKDC_BLOCK1_COMPLETE) {
    parsed.req.payload = body;
    parsed.req.payload_len = body_len;
  }

  if (parsed.req.method == GKDC_GET && parsed.req.observe == GKDC_OBSERVE_DEREGISTER)
    gkdc_observe_deregister(session, coap_pdu_get_token(pdu));

  gkdc_response_init(&resp);
  memset(&x, 0, sizeof(x));
  x.req = &parsed.req;
  x.resource = resource;
  x.session = session;
  x.pdu = pdu;
  gkdc_coap_set_current(&x);
  result = gkdc_router_dispatch(&parsed.req, &resp);
  gkdc_coap_set_current(NULL);

  if (result == GKDC_DEFERRED) {
    if (x.deferred)
      goto done;
    gkdc_log(GKDC_LOG_ERR, "coap", "a handler deferred a request from %s without "
             "taking a handle; answering 5.00", parsed.address);
    gkdc_response_clear(&resp);
    gkdc_response_init(&resp);
    resp.code = GKDC_CODE(5, 0);
  }

  route = gkdc_router_find(parsed.req.path, parsed.req.path_count);
  if (parsed.req.method == GKDC_GET && parsed.req.observe == GKDC_OBSERVE_REGISTER &&
      route != NULL && (route->flags & GKDC_ROUTE_OBSERVABLE) != 0 &&
      GKDC_CODE_CLASS(resp.code) == 2) {
    seq = gkdc_observe_register(resource, session, pdu, route);
    if (seq >= 0) {
      uint8_t buf[4];

      coap_add_option(response, COAP_OPTION_OBSERVE,
                      coap_encode_var_safe(buf, sizeof(buf), (unsigned)seq), buf);
    }
  }

  if (!gkdc_coap_write_response(resource, session, pdu, query, &resp, response)) {
    gkdc_log(GKDC_LOG_ERR, "coap", "could not encode the %d.%02d response to %s",
             GKDC_CODE_CLASS(resp.code), GKDC_CODE_DETAIL(resp.code), parsed.address);
    coap_pdu_set_code(response, GKDC_CODE(5, 0));
    if (seq >= 0)
      gkdc_observe_deregister(session, coap_pdu_get_token(pdu));
  }

done:
  gkdc_response_clear(&resp);
  gkdc_coap_block1_release();
}

int gkdc_coap_handlers_init(coap_context_t *ctx) {
  static const coap_request_t methods[] = {
      COAP_REQUEST_GET,   COAP_REQUEST_POST,  COAP_REQUEST_PUT,   COAP_REQUEST_DELETE,
      COAP_REQUEST_FETCH, COAP_REQUEST_PATCH, COAP_REQUEST_IPATCH,
  };
  coap_resource_t *unknown, *wkc;
  size_t i;

  /* Without this, libcoap answers every OSCORE request 4.02 Bad Option
   * before any handler runs. */
  coap_register_option(ctx, COAP_OPTION_OSCORE);

  unknown = coap_resource_unknown_init(handle_request);
  if (unknown == NULL)
    return 0;
  for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
    coap_register_handler(unknown, methods[i], handle_request);
  coap_add_resource(ctx, unknown);

  /* A real resource for /.well-known/core, so that the router lists the
   * routes instead of libcoap listing its (empty) resource table. */
  wkc = coap_resource_init(coap_make_str_const(".well-known/core"), 0);
  if (wkc == NULL)
    return 0;
  coap_register_handler(wkc, COAP_REQUEST_GET, handle_request);
  coap_add_resource(ctx, wkc);
  return 1;
}
