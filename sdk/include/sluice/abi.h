/*
 * Sluice plugin ABI: the only boundary between the engine and a plugin library.
 *
 * Plain C so that a plugin may be built by another compiler, another standard library, or
 * another language. Naming tells direction and ownership:
 *   sluice_*_t              types
 *   on_*                    hooks in the plugin's descriptor, called by the host
 *   callback_*              services in sluice_host_api, called by the plugin
 *   *_host_ptr              memory owned by the host: the plugin never frees it
 *   *_plugin_ptr            memory owned by the plugin: the host never frees it
 *
 * Versioning: a minor bump only appends fields to the end of sluice_plugin_descriptor_t and
 * sluice_host_api_t, and each struct carries its own size, so either side reads only what
 * the other has. Anything else needs a major bump, and the host refuses a plugin whose major
 * differs from its own.
 */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_ABI_MAJOR 1
#define SLUICE_ABI_MINOR 4

/* The one symbol a plugin library exports. */
#define SLUICE_PLUGIN_ENTRY_SYMBOL "sluice_plugin_entry"

#if defined(__GNUC__)
#define SLUICE_EXPORT __attribute__((visibility("default")))
#else
#define SLUICE_EXPORT
#endif

typedef enum sluice_status_t {
  SLUICE_OK = 0,
  SLUICE_ERROR = 1,
  SLUICE_TIMEOUT = 2, /* nothing arrived within the wait */
  SLUICE_STOPPED = 3, /* the stop token was signalled, or the inbox is closed and empty */
} sluice_status_t;

typedef enum sluice_kind_t {
  SLUICE_KIND_SOURCE = 1,
  SLUICE_KIND_PROCESSOR = 2,
  SLUICE_KIND_SINK = 3,
} sluice_kind_t;

typedef enum sluice_log_level_t {
  SLUICE_LOG_TRACE = 0,
  SLUICE_LOG_DEBUG = 1,
  SLUICE_LOG_INFO = 2,
  SLUICE_LOG_WARN = 3,
  SLUICE_LOG_ERROR = 4,
} sluice_log_level_t;

/* How a sink finished with a batch. */
typedef enum sluice_outcome_t {
  SLUICE_OUTCOME_DELIVERED = 0, /* accepted by the destination, or dropped on purpose */
  SLUICE_OUTCOME_REJECTED = 1,  /* refused for good (resending cannot help): finished */
  SLUICE_OUTCOME_FAILED = 2,    /* given up on: its source must read it again */
} sluice_outcome_t;

/* A borrowed byte string; not NUL-terminated. */
typedef struct sluice_str_t {
  const char* data;
  size_t size;
} sluice_str_t;

/* A block of bytes from callback_buffer_alloc. */
typedef struct sluice_buffer_t {
  void* data;
  size_t size;
} sluice_buffer_t;

typedef struct sluice_label_t {
  sluice_str_t name;
  sluice_str_t value;
} sluice_label_t;

/*
 * One log record as it crosses the ABI. Every pointer is borrowed for the duration of the
 * call that carries it; the host copies what it keeps. Labels are sorted by name.
 */
typedef struct sluice_record_t {
  int64_t timestamp_ns; /* nanoseconds since the Unix epoch */
  sluice_str_t line;
  const sluice_label_t* labels;
  uint32_t label_count;
  const sluice_label_t* metadata;
  uint32_t metadata_count;
} sluice_record_t;

/* Opaque handles, all owned by the host. */
typedef struct sluice_context_s* sluice_context_host_ptr; /* one per plugin instance */
typedef struct sluice_config_s* sluice_config_host_ptr;   /* a YAML mapping node */
typedef struct sluice_stop_s* sluice_stop_host_ptr;       /* a thread's stop token */
typedef struct sluice_batch_s* sluice_batch_host_ptr;     /* a batch taken or processed */
typedef struct sluice_metric_s* sluice_metric_host_ptr;   /* a counter, gauge or histogram */
typedef struct sluice_hold_s* sluice_hold_host_ptr;       /* a held acknowledgement (1.2) */

/* The plugin's own instance. */
typedef void* sluice_instance_plugin_ptr;

typedef void (*sluice_thread_fn_t)(void* arg, sluice_stop_host_ptr stop);

typedef enum sluice_metric_type_t {
  SLUICE_METRIC_COUNTER = 0,
  SLUICE_METRIC_GAUGE = 1,
  SLUICE_METRIC_HISTOGRAM = 2,
} sluice_metric_type_t;

/*
 * Services the host offers. Every callback is safe to call from any thread the plugin
 * spawned, unless its comment says otherwise.
 */
typedef struct sluice_host_api_t {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;

  void (*callback_log)(sluice_context_host_ptr ctx, sluice_log_level_t level, sluice_str_t message);

  /* Starts a thread the host owns and joins. fn must return soon after stop is signalled. */
  sluice_status_t (*callback_spawn)(sluice_context_host_ptr ctx, sluice_str_t name,
                                    sluice_thread_fn_t fn, void* arg);
  int (*callback_stop_requested)(sluice_stop_host_ptr stop);
  /* Sleeps up to timeout_ms; returns 1 as soon as stop is signalled, 0 on time-out. */
  int (*callback_stop_wait)(sluice_stop_host_ptr stop, int64_t timeout_ms);
  /* A descriptor that becomes readable when stop is signalled: add it to poll() so that a
   * blocking read ends with stop. Owned by the host; never read, write or close it. */
  int (*callback_stop_fd)(sluice_stop_host_ptr stop);

  /* Sources: hands records downstream. Blocks while a downstream queue is full
   * (backpressure) and returns SLUICE_STOPPED if the stop token fires while waiting. The
   * host calls the descriptor's on_ack with cookie once every copy is finished.
   * buffers (may be NULL): blocks from callback_buffer_alloc that the host takes over,
   * whatever the result; lines that lie inside them are moved, not copied. Every other byte
   * the records point to is copied. */
  sluice_status_t (*callback_emit)(sluice_context_host_ptr ctx, sluice_stop_host_ptr stop,
                                   const sluice_record_t* records, size_t count, uint64_t cookie,
                                   const sluice_buffer_t* buffers, size_t buffer_count);
  /* Sources: a block of at least size bytes for lines to be emitted (see callback_emit). One
   * never handed to callback_emit is given back with callback_buffer_free. */
  void* (*callback_buffer_alloc)(sluice_context_host_ptr ctx, size_t size);
  void (*callback_buffer_free)(sluice_context_host_ptr ctx, void* buffer);

  /* Sinks: takes the next batch of the inbox, waiting up to timeout_ms. SLUICE_STOPPED once
   * the inbox is closed and empty. Every batch taken must be finished with callback_finish. */
  sluice_status_t (*callback_take)(sluice_context_host_ptr ctx, int64_t timeout_ms,
                                   sluice_batch_host_ptr* batch);
  void (*callback_finish)(sluice_context_host_ptr ctx, sluice_batch_host_ptr batch,
                          sluice_outcome_t outcome, sluice_str_t reason);

  /* Batches (sinks and processors): the records, valid until the batch is finished or
   * on_process returns. */
  void (*callback_batch_records)(sluice_batch_host_ptr batch, const sluice_record_t** records,
                                 size_t* count);
  /* Processors: keep only the records whose mask byte is non-zero (cheap, no copy). */
  void (*callback_batch_keep)(sluice_batch_host_ptr batch, const uint8_t* mask, size_t count);
  /* Processors: replace the records with new ones, copied (they may point into the batch). */
  void (*callback_batch_replace)(sluice_batch_host_ptr batch, const sluice_record_t* records,
                                 size_t count);

  /* Configuration: typed access by key in a mapping. Each returns 1 if the key is present
   * with the right type, 0 if absent; a present value of the wrong type is reported by the
   * host with its YAML path and position, and reads as absent. The host remembers which keys
   * were read, and reports the others as unknown. A config handle is valid only during
   * on_create: read everything there. */
  int (*callback_config_string)(sluice_config_host_ptr cfg, const char* key, sluice_str_t* out);
  int (*callback_config_int)(sluice_config_host_ptr cfg, const char* key, int64_t* out);
  int (*callback_config_double)(sluice_config_host_ptr cfg, const char* key, double* out);
  int (*callback_config_bool)(sluice_config_host_ptr cfg, const char* key, int* out);
  /* Durations: "250ms", "5s", "2m", "1h", or a bare number of seconds. */
  int (*callback_config_duration_ms)(sluice_config_host_ptr cfg, const char* key, int64_t* out);
  /* A sequence of strings: call with index 0, 1, ... until it returns 0. */
  int (*callback_config_list_item)(sluice_config_host_ptr cfg, const char* key, size_t index,
                                   sluice_str_t* out);
  /* A mapping of strings: entries in file order, by index, until it returns 0. */
  int (*callback_config_map_item)(sluice_config_host_ptr cfg, const char* key, size_t index,
                                  sluice_str_t* name, sluice_str_t* value);
  /* A nested mapping under key, read with the same callbacks; NULL when absent (or not a
   * mapping, which is reported). Owned by the host, valid as long as cfg. */
  sluice_config_host_ptr (*callback_config_child)(sluice_config_host_ptr cfg, const char* key);
  /* Records an error about key (or the node itself when key is NULL). */
  void (*callback_config_error)(sluice_config_host_ptr cfg, const char* key, sluice_str_t message);

  /* Metrics. name must follow Prometheus rules; the host adds component_id and
   * component_type labels. label_names/label_values give constant labels. For histograms,
   * buckets are upper bounds in increasing order. Returns NULL on a bad name. */
  sluice_metric_host_ptr (*callback_metric_new)(sluice_context_host_ptr ctx,
                                                sluice_metric_type_t type, const char* name,
                                                const char* help, const sluice_label_t* labels,
                                                size_t label_count, const double* buckets,
                                                size_t bucket_count);
  /* Counters add (value >= 0), gauges set, histograms observe. */
  void (*callback_metric_record)(sluice_metric_host_ptr metric, double value);

  /* The instance's own state directory (created by the host), stable across restarts. */
  sluice_str_t (*callback_state_dir)(sluice_context_host_ptr ctx);

  /* ---- ABI 1.1 ---- */
  /* The mapping at position index of a sequence under key (a list of rules, say), read with
   * the same callbacks; NULL past the end, when absent, or when the item is not a mapping
   * (which is reported). Owned by the host, valid as long as cfg. */
  sluice_config_host_ptr (*callback_config_list_child)(sluice_config_host_ptr cfg, const char* key,
                                                       size_t index);

  /* ---- ABI 1.2 ---- */
  /* Processors that carry records into a later batch (multiline joins): keeps the
   * acknowledgement of the batch being processed open past on_process, so that its source
   * does not move past records the processor still holds. Each hold ends exactly once, with
   * callback_hold_attach or callback_hold_release; one still open when the instance is
   * destroyed is released as FAILED, and its source reads the records again. */
  sluice_hold_host_ptr (*callback_batch_hold)(sluice_context_host_ptr ctx,
                                              sluice_batch_host_ptr batch);
  /* The held acknowledgement now completes with batch (the one being processed or flushed),
   * with its outcome, once every copy of it is finished. Ends the hold. */
  void (*callback_hold_attach)(sluice_hold_host_ptr hold, sluice_batch_host_ptr batch);
  /* Ends the hold with an outcome of its own: DELIVERED for records dropped on purpose. */
  void (*callback_hold_release)(sluice_hold_host_ptr hold, sluice_outcome_t outcome);

  /* ---- ABI 1.3 ---- */
  /* The instance cannot go on, and the run should not either (stdout_sink when its reader
   * has gone, as `sluice run | head` does): the host logs reason, stops the pipeline as at
   * SIGTERM, and exits non-zero. What was not delivered stays unacknowledged. */
  void (*callback_end_run)(sluice_context_host_ptr ctx, sluice_str_t reason);
} sluice_host_api_t;

/* Whether a host table has a service: plugins built against a newer minor check before
 * calling one the engine that loaded them may lack. */
#define SLUICE_HOST_HAS(host, field) \
  ((host)->struct_size >= offsetof(sluice_host_api_t, field) + sizeof((host)->field))

/*
 * One setting a plugin declares (ABI 1.4): `sluice describe` prints them, and the host names
 * the right key when a config uses another shipper's name for it. Every string is
 * NUL-terminated (empty when there is nothing to say) and lives as long as the library.
 */
typedef struct sluice_setting_t {
  const char* name;          /* "batch_wait"; nested: "tls.ca_file", "rules[].regex" */
  const char* type;          /* "duration", "integer", "list of strings", ... */
  const char* default_value; /* as YAML would write it */
  const char* allowed;       /* "100ms to 1h", "text or json" */
  const char* description;   /* one line */
  const char* hints;         /* what other log shippers call it, comma-separated */
  int required;
} sluice_setting_t;

/*
 * What a plugin library describes of itself. Hooks may be NULL where the comment says so.
 */
typedef struct sluice_plugin_descriptor_t {
  uint32_t struct_size; /* sizeof(sluice_plugin_descriptor_t) as the plugin was built */
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t kind; /* a sluice_kind_t */
  const char* name;
  const char* version;
  const char* description;

  /* Validates cfg and creates an instance. Errors go through callback_config_error;
   * returning SLUICE_ERROR without one is reported as a generic failure. host and ctx stay
   * valid until on_destroy returns. */
  sluice_status_t (*on_create)(const sluice_host_api_t* host, sluice_context_host_ptr ctx,
                               sluice_config_host_ptr cfg, sluice_instance_plugin_ptr* out);
  /* Must return promptly; long work goes on threads from callback_spawn. */
  sluice_status_t (*on_start)(sluice_instance_plugin_ptr self);
  /* Called after every stop token is signalled: wake what a stop token cannot reach. May be
   * NULL. Must not block. */
  void (*on_stop)(sluice_instance_plugin_ptr self);
  /* Frees the instance. Called once, after every spawned thread has returned. */
  void (*on_destroy)(sluice_instance_plugin_ptr self);

  /* Sources: the fate of the records emitted with cookie. Called on any thread, possibly
   * after on_stop, never after on_destroy. May be NULL for sources that keep no position. */
  void (*on_ack)(sluice_instance_plugin_ptr self, uint64_t cookie, sluice_outcome_t outcome);
  /* Processors: transforms the batch in place, on a host worker thread. */
  sluice_status_t (*on_process)(sluice_instance_plugin_ptr self, sluice_batch_host_ptr batch);

  /* ---- ABI 1.2 ---- */
  /* Processors that hold records (may be NULL): lets them send on what they hold without
   * waiting for the next batch. Called on the worker thread about every 100 ms, batches or
   * not, and once more with final=1 when the input has ended (a shutdown or a reload); batch
   * starts empty, and the host sends it on if the processor fills it (callback_batch_replace,
   * callback_hold_attach). After final=1, nothing should be held. */
  sluice_status_t (*on_flush)(sluice_instance_plugin_ptr self, sluice_batch_host_ptr batch,
                              int final);

  /* ---- ABI 1.4 ---- */
  /* The settings the plugin reads (may be NULL): setting_count entries, each setting_size
   * bytes apart (sizeof(sluice_setting_t) as the plugin was built), so that a later minor may
   * append fields to sluice_setting_t. */
  const sluice_setting_t* settings;
  uint32_t setting_count;
  uint32_t setting_size;
} sluice_plugin_descriptor_t;

/* The size of an ABI 1.0 descriptor: the smallest the host accepts. */
#define SLUICE_DESCRIPTOR_MIN_SIZE \
  (offsetof(sluice_plugin_descriptor_t, on_process) + sizeof(void*))

typedef const sluice_plugin_descriptor_t* (*sluice_plugin_entry_fn_t)(uint16_t host_abi_major,
                                                                      uint16_t host_abi_minor);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_ABI_H */
