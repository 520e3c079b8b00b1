/*
 * The hook for profile plugins: requests that carry an OSCORE option go to
 * one interceptor as a plain gkdc_coap_msg. The interceptor unprotects the
 * message, dispatches the inner request to the router with
 * host->dispatch(), protects the response and sends it with
 * host->exchange_reply(). The router never sees the outer message.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "coap_glue.h"

/* Outer Block2 (RFC 8613 section 4.1.3.4.2, RFC 7959). A reply too large
 * for one message goes out block by block, and the whole protected message
 * is kept. A client requests block N by repeating the request, with the
 * same OSCORE option, plus Block2. The host sends that block from the kept
 * message without calling the interceptor, for which the request would be
 * a replay. Kept messages are found by session, request code and OSCORE
 * option value, which is unique per request because it has the Partial IV.
 * NOTE: the blocks carry no ETag, so a client that requests a later block
 * of a notification after the next notification went out gets a block of
 * the newer one, and the body it puts together fails to unprotect. */
#define OUTER_MAX_KEPT 32
/* A kept message not requested within this time is dropped, because a
 * block-wise client requests the next block at once. */
#define OUTER_IDLE_MS 60000
/* Bytes of a message reserved for Block2 (4) and Size2 (5) options. */
#define OUTER_BLOCK_OPTIONS 9
/* The largest block size exponent (1024 bytes). SZX 7 is BERT, for TCP only. */
#define OUTER_MAX_SZX 6
#define OSCORE_OPTION_MAX 255

/* One exchange between the request handler and the interceptor. */
struct gkdc_exchange {
  coap_session_t *session;
  const coap_pdu_t *request;
  coap_pdu_t *response;
  int replied;
};

static struct {
  gkdc_plugin *owner;
  gkdc_intercept_fn fn;
  void *arg;
} interceptor;

int gkdc_coap_intercept_add(gkdc_plugin *self, gkdc_intercept_fn fn, void *arg) {
  if (fn == NULL)
    return 0;
  if (interceptor.fn != NULL) {
    GKDC_ERR("an OSCORE interceptor is already registered; only one profile "
             "plugin can handle OSCORE requests");
    return 0;
  }
  interceptor.owner = self;
  interceptor.fn = fn;
  interceptor.arg = arg;
  return 1;
}

void gkdc_coap_intercept_remove_owner(gkdc_plugin *owner) {
  if (interceptor.fn != NULL && (owner == NULL || interceptor.owner == owner))
    memset(&interceptor, 0, sizeof(interceptor));
}

/* Copies header, token, options and body of a PDU into views of `msg`.
 * Returns 1, or 0 when the message has more options or token bytes than
 * gkdc_coap_msg holds. */
static int msg_from_pdu(const coap_pdu_t *pdu, struct gkdc_coap_msg *msg) {
  coap_opt_iterator_t it;
  const coap_opt_t *opt;
  coap_bin_const_t token = coap_pdu_get_token(pdu);
  size_t len = 0, offset = 0, total = 0;
  const uint8_t *data = NULL;

  memset(msg, 0, sizeof(*msg));
  msg->type = (uint8_t)coap_pdu_get_type(pdu);
  msg->code = coap_pdu_get_code(pdu);
  msg->mid = (uint16_t)coap_pdu_get_mid(pdu);
  if (token.length > sizeof(msg->token))
    return 0;
  if (token.length > 0)
    memcpy(msg->token, token.s, token.length);
  msg->token_len = token.length;

  coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next(&it)) != NULL) {
    struct gkdc_coap_option *o;

    if (msg->option_count == GKDC_COAP_MAX_OPTIONS)
      return 0;
    o = &msg->options[msg->option_count++];
    o->number = it.number;
    o->value.ptr = coap_opt_value(opt);
    o->value.len = coap_opt_length(opt);
  }

  if (coap_get_data_large(pdu, &len, &data, &offset, &total)) {
    msg->payload.ptr = data;
    msg->payload.len = len;
  }
  return 1;
}

static int answer_from_kept(coap_session_t *session, const coap_pdu_t *request,
                            coap_pdu_t *response);

void gkdc_coap_intercept(coap_session_t *session, const coap_pdu_t *pdu,
                         coap_pdu_t *response) {
  struct gkdc_exchange x;
  struct gkdc_coap_msg msg;
  struct gkdc_peer peer;
  char address[GKDC_ADDR_TEXT_MAX];

  if (interceptor.fn == NULL) {
    gkdc_coap_peer_text(session, address, sizeof(address));
    gkdc_log(GKDC_LOG_INFO, "coap", "OSCORE request from %s but no profile "
             "handles OSCORE; answering 4.02", address);
    coap_pdu_set_code(response, GKDC_CODE(4, 2));
    return;
  }

  if (answer_from_kept(session, pdu, response))
    return;

  gkdc_coap_fill_peer(session, &peer, address, sizeof(address));
  if (!msg_from_pdu(pdu, &msg)) {
    gkdc_log(GKDC_LOG_INFO, "coap", "OSCORE request from %s has more than %d "
             "options; answering 4.02", address, GKDC_COAP_MAX_OPTIONS);
    coap_pdu_set_code(response, GKDC_CODE(4, 2));
    return;
  }

  memset(&x, 0, sizeof(x));
  x.session = session;
  x.request = pdu;
  x.response = response;
  interceptor.fn(interceptor.arg, &x, &msg, &peer);

  if (!x.replied) {
    gkdc_log(GKDC_LOG_ERR, "coap", "the OSCORE interceptor sent no response to "
             "%s; answering 5.00", address);
    coap_pdu_set_code(response, GKDC_CODE(5, 0));
  }
}

/* Options that libcoap or the exchange owns and a reply must not carry. */
static int option_is_reserved(uint16_t number) {
  switch (number) {
  case COAP_OPTION_URI_HOST:
  case COAP_OPTION_URI_PORT:
  case COAP_OPTION_URI_PATH:
  case COAP_OPTION_URI_QUERY:
  case COAP_OPTION_BLOCK2:
  case COAP_OPTION_SIZE1:
  case COAP_OPTION_SIZE2:
    return 1;
  default:
    return 0;
  }
}

/* Returns 1 when `msg` can go out as a response: a response code, options
 * sorted by number and none of the reserved ones, views that point to data. */
static int msg_is_valid_response(const struct gkdc_coap_msg *msg) {
  size_t i;

  if (msg->option_count > GKDC_COAP_MAX_OPTIONS || GKDC_CODE_CLASS(msg->code) < 2)
    return 0;
  for (i = 0; i < msg->option_count; i++) {
    if (option_is_reserved(msg->options[i].number) ||
        (i > 0 && msg->options[i].number < msg->options[i - 1].number) ||
        (msg->options[i].value.len > 0 && msg->options[i].value.ptr == NULL))
      return 0;
  }
  return msg->payload.len == 0 || msg->payload.ptr != NULL;
}

int gkdc_coap_write_msg(coap_pdu_t *pdu, const struct gkdc_coap_msg *msg) {
  size_t i;

  if (!msg_is_valid_response(msg))
    return 0;
  coap_pdu_set_code(pdu, msg->code);
  for (i = 0; i < msg->option_count; i++) {
    if (coap_add_option(pdu, msg->options[i].number, msg->options[i].value.len,
                        msg->options[i].value.ptr) == 0)
      return 0;
  }
  /* Larger messages go out in blocks through write_reply(). */
  if (msg->payload.len > 0 && !coap_add_data(pdu, msg->payload.len, msg->payload.ptr)) {
    gkdc_log(GKDC_LOG_ERR, "coap", "an OSCORE message of %zu bytes does not fit "
             "in one CoAP message", msg->payload.len);
    return 0;
  }
  return 1;
}

/* ---- outer Block2 ---- */

/* A protected reply kept for its later blocks. */
struct outer_body {
  coap_session_t *session; /* not a reference: dropped with the session */
  uint8_t request_code;
  uint8_t oscore[OSCORE_OPTION_MAX];
  size_t oscore_len;
  struct gkdc_coap_msg msg; /* views into data */
  uint8_t *data;
  uint64_t last_ms;
  struct outer_body *next;
};

static struct outer_body *outer_kept;
static size_t outer_count;

/* What identifies the request of a kept reply. */
struct outer_key {
  uint8_t code;
  const uint8_t *oscore;
  size_t oscore_len;
};

/* Fills the key of a request. Returns 1, or 0 when it has no OSCORE option. */
static int request_key(const coap_pdu_t *request, struct outer_key *key) {
  coap_opt_iterator_t it;
  coap_opt_t *opt = coap_check_option(request, COAP_OPTION_OSCORE, &it);

  if (opt == NULL || coap_opt_length(opt) > OSCORE_OPTION_MAX)
    return 0;
  key->code = (uint8_t)coap_pdu_get_code(request);
  key->oscore = coap_opt_value(opt);
  key->oscore_len = coap_opt_length(opt);
  return 1;
}

static void outer_unlink(struct outer_body *b) {
  struct outer_body **link;

  for (link = &outer_kept; *link != NULL; link = &(*link)->next) {
    if (*link == b) {
      *link = b->next;
      outer_count--;
      free(b->data);
      free(b);
      return;
    }
  }
}

/* Drops the kept messages not requested within OUTER_IDLE_MS. */
static void outer_expire(uint64_t now) {
  struct outer_body *b = outer_kept, *next;

  while (b != NULL) {
    next = b->next;
    if (now - b->last_ms > OUTER_IDLE_MS)
      outer_unlink(b);
    b = next;
  }
}

/* The kept reply to the request with `key` on `session`, or NULL. */
static struct outer_body *outer_find(coap_session_t *session, const struct outer_key *key) {
  struct outer_body *b;

  for (b = outer_kept; b != NULL; b = b->next) {
    if (b->session == session && b->request_code == key->code &&
        b->oscore_len == key->oscore_len &&
        memcmp(b->oscore, key->oscore, key->oscore_len) == 0)
      return b;
  }
  return NULL;
}

/* Keeps a copy of `msg` as the reply to the request with `key`, in place
 * of an earlier reply to the same request, dropping the least recently used
 * one when OUTER_MAX_KEPT are kept. Returns 1, or 0 when out of memory. */
static int outer_keep(coap_session_t *session, const struct outer_key *key,
                      const struct gkdc_coap_msg *msg) {
  struct outer_body *b, *oldest;
  size_t total, i, at = 0;

  if (key->oscore_len > OSCORE_OPTION_MAX)
    return 0;
  b = outer_find(session, key);
  if (b != NULL)
    outer_unlink(b);
  if (outer_count == OUTER_MAX_KEPT) {
    /* The list is newest first: on equal times the last one is oldest. */
    for (oldest = b = outer_kept; b != NULL; b = b->next) {
      if (b->last_ms <= oldest->last_ms)
        oldest = b;
    }
    gkdc_log(GKDC_LOG_INFO, "coap", "%d block-wise OSCORE replies kept; dropped the "
             "oldest", OUTER_MAX_KEPT);
    outer_unlink(oldest);
  }

  total = msg->payload.len;
  for (i = 0; i < msg->option_count; i++)
    total += msg->options[i].value.len;
  b = calloc(1, sizeof(*b));
  if (b == NULL)
    return 0;
  b->data = malloc(total > 0 ? total : 1);
  if (b->data == NULL) {
    free(b);
    return 0;
  }
  b->msg = *msg;
  for (i = 0; i < msg->option_count; i++) {
    if (msg->options[i].value.len > 0)
      memcpy(b->data + at, msg->options[i].value.ptr, msg->options[i].value.len);
    b->msg.options[i].value.ptr = b->data + at;
    at += msg->options[i].value.len;
  }
  if (msg->payload.len > 0)
    memcpy(b->data + at, msg->payload.ptr, msg->payload.len);
  b->msg.payload.ptr = b->data + at;
  b->session = session;
  b->request_code = key->code;
  if (key->oscore_len > 0)
    memcpy(b->oscore, key->oscore, key->oscore_len);
  b->oscore_len = key->oscore_len;
  b->last_ms = gkdc_timer_now_ms();
  b->next = outer_kept;
  outer_kept = b;
  outer_count++;
  return 1;
}

void gkdc_coap_intercept_drop_session(coap_session_t *session) {
  struct outer_body *b = outer_kept, *next;

  while (b != NULL) {
    next = b->next;
    if (b->session == session)
      outer_unlink(b);
    b = next;
  }
}

void gkdc_coap_intercept_release_all(void) {
  while (outer_kept != NULL)
    outer_unlink(outer_kept);
}

/* Bytes left for the payload of `msg` in `pdu` (which holds the token) once
 * its options and Block2 and Size2 are in, or 0 when nothing is left. */
static size_t payload_room(coap_session_t *session, const coap_pdu_t *pdu,
                           const struct gkdc_coap_msg *msg) {
  size_t used = 4 + coap_pdu_get_token(pdu).length + 1 + OUTER_BLOCK_OPTIONS, max, i;

  /* An option takes at most 5 bytes besides its value (RFC 7252 3.1). */
  for (i = 0; i < msg->option_count; i++)
    used += 5 + msg->options[i].value.len;
  max = coap_session_max_pdu_size(session);
  return max > used ? max - used : 0;
}

/* Writes block `num` of size 16 << szx of `msg` into `pdu` with Block2 and
 * Size2 options. The block must start inside the payload. Only block 0
 * carries Observe: later blocks answer requests without Observe (RFC 7959
 * section 2.6). */
static int write_block(coap_pdu_t *pdu, const struct gkdc_coap_msg *msg, size_t num,
                       unsigned szx) {
  struct gkdc_coap_msg part = *msg;
  size_t size = (size_t)16 << szx, offset = num * size, len, i;
  uint8_t buf[4];
  unsigned more;

  len = msg->payload.len - offset < size ? msg->payload.len - offset : size;
  more = offset + len < msg->payload.len;
  part.payload.ptr = NULL;
  part.payload.len = 0;
  if (num > 0) {
    part.option_count = 0;
    for (i = 0; i < msg->option_count; i++) {
      if (msg->options[i].number != COAP_OPTION_OBSERVE)
        part.options[part.option_count++] = msg->options[i];
    }
  }

  /* Options first: libcoap adds none after the payload. */
  return gkdc_coap_write_msg(pdu, &part) &&
         coap_add_option(pdu, COAP_OPTION_BLOCK2,
                         coap_encode_var_safe(buf, sizeof(buf),
                                              (unsigned)(num << 4) | (more << 3) | szx),
                         buf) != 0 &&
         coap_add_option(pdu, COAP_OPTION_SIZE2,
                         coap_encode_var_safe(buf, sizeof(buf), (unsigned)msg->payload.len),
                         buf) != 0 &&
         coap_add_data(pdu, len, msg->payload.ptr + offset) != 0;
}

/*
 * Writes `msg` as the reply to `request` (NULL for a notification) into
 * `response`. The message goes whole when it fits and the request's Block2
 * requests no smaller block. Otherwise the block that Block2 selects (block
 * 0 without Block2) goes, and the message is kept under `key` for the later
 * blocks unless `key` is NULL. A block past the end gets 4.00. Returns 1, or
 * 0 when the message is invalid or cannot be sent.
 */
static int write_reply(coap_session_t *session, const coap_pdu_t *request,
                       coap_pdu_t *response, const struct gkdc_coap_msg *msg,
                       const struct outer_key *key) {
  coap_block_b_t block;
  size_t room = payload_room(session, response, msg), offset = 0;
  unsigned szx = OUTER_MAX_SZX;
  int has_block2;

  has_block2 = request != NULL && coap_get_block_b(session, request, COAP_OPTION_BLOCK2, &block);
  if (msg->payload.len <= room &&
      (!has_block2 || (block.num == 0 && msg->payload.len <= ((size_t)16 << block.szx))))
    return gkdc_coap_write_msg(response, msg);

  while (szx > 0 && ((size_t)16 << szx) > room)
    szx--;
  if (((size_t)16 << szx) > room || msg->payload.len > UINT32_MAX) {
    gkdc_log(GKDC_LOG_ERR, "coap", "no room for a block of an OSCORE message of %zu bytes",
             msg->payload.len);
    return 0;
  }
  if (has_block2) {
    if (block.szx < szx)
      szx = block.szx;
    offset = (size_t)block.num << (block.szx + 4);
    if (offset >= msg->payload.len) {
      gkdc_log(GKDC_LOG_DEBUG, "coap", "Block2 number %u is past the end of the %zu-byte "
               "OSCORE message; answering 4.00", (unsigned)block.num, msg->payload.len);
      coap_pdu_set_code(response, COAP_RESPONSE_CODE(400));
      return 1;
    }
  }
  if (!write_block(response, msg, offset >> (szx + 4), szx))
    return 0;
  if (key != NULL && !outer_keep(session, key, msg)) {
    gkdc_log(GKDC_LOG_ERR, "coap", "out of memory keeping a block-wise OSCORE reply");
    return 0;
  }
  return 1;
}

int gkdc_coap_write_notification(coap_session_t *session, uint8_t request_code,
                                 const uint8_t *oscore, size_t oscore_len, coap_pdu_t *pdu,
                                 const struct gkdc_coap_msg *msg) {
  struct outer_key key;

  key.code = request_code;
  key.oscore = oscore;
  key.oscore_len = oscore_len;
  return write_reply(session, NULL, pdu, msg, &key);
}

/* Sends the block of a kept reply that a request selects. Returns 1 when
 * it did, or 0 for any other request, which goes to the interceptor. */
static int answer_from_kept(coap_session_t *session, const coap_pdu_t *request,
                            coap_pdu_t *response) {
  struct outer_body *b;
  struct outer_key key;
  coap_block_b_t block;

  outer_expire(gkdc_timer_now_ms());
  if (!coap_get_block_b(session, request, COAP_OPTION_BLOCK2, &block) || block.num == 0 ||
      !request_key(request, &key))
    return 0;
  b = outer_find(session, &key);
  if (b == NULL)
    return 0;
  b->last_ms = gkdc_timer_now_ms();
  if (!write_reply(session, request, response, &b->msg, NULL))
    coap_pdu_set_code(response, GKDC_CODE(5, 0));
  return 1;
}

int gkdc_coap_exchange_reply(gkdc_exchange *x, const struct gkdc_coap_msg *msg) {
  struct outer_key key;

  if (x == NULL || msg == NULL || x->replied || x->response == NULL)
    return 0;
  if (!msg_is_valid_response(msg))
    return 0;

  x->replied = 1;
  if (!request_key(x->request, &key) ||
      !write_reply(x->session, x->request, x->response, msg, &key)) {
    coap_pdu_set_code(x->response, GKDC_CODE(5, 0));
    return 0;
  }
  return 1;
}

coap_session_t *gkdc_coap_exchange_session(const gkdc_exchange *x) {
  return x->session;
}

const coap_pdu_t *gkdc_coap_exchange_request(const gkdc_exchange *x) {
  return x->request;
}

int gkdc_coap_dispatch_inner(const struct gkdc_request *req, struct gkdc_response *resp) {
  if (req == NULL || resp == NULL || req->size < sizeof(struct gkdc_request))
    return 0;
  if (gkdc_router_dispatch(req, resp) == GKDC_DEFERRED) {
    /* gkdc_coap_defer() returns NULL for such requests, so the handler has
     * nothing left to answer with. */
    gkdc_response_clear(resp);
    gkdc_response_init(resp);
    resp->code = GKDC_CODE(5, 0);
    return 0;
  }
  return 1;
}
