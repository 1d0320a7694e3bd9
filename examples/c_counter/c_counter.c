#define _POSIX_C_SOURCE 199309L /* clock_gettime */

/* c_counter: a source written in plain C over the C ABI alone (no C++ anywhere), proving the
 * boundary is really C. It emits `count` numbered lines, "c_counter line N", in batches of up
 * to 100 on one spawned thread, then idles until stopped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sluice/abi.h"

typedef struct counter {
  const sluice_host_api_t* host;
  sluice_context_host_ptr ctx;
  int64_t count;
  sluice_label_t labels[1];
} counter;

static void run(void* arg, sluice_stop_host_ptr stop) {
  counter* self = (counter*)arg;
  const sluice_host_api_t* host = self->host;
  sluice_record_t records[100];
  char lines[100][40];
  int64_t next = 1;
  uint64_t cookie = 0;
  while (!host->callback_stop_requested(stop)) {
    if (next > self->count) {
      host->callback_stop_wait(stop, 60000); /* done: sleep until stopped */
      continue;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    size_t n = 0;
    while (n < 100 && next <= self->count) {
      int len = snprintf(lines[n], sizeof lines[n], "c_counter line %lld", (long long)next++);
      records[n].timestamp_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
      records[n].line.data = lines[n];
      records[n].line.size = (size_t)len;
      records[n].labels = self->labels;
      records[n].label_count = 1;
      records[n].metadata = NULL;
      records[n].metadata_count = 0;
      ++n;
    }
    /* No blocks handed over: the engine copies the lines, which live on this stack. */
    if (host->callback_emit(self->ctx, stop, records, n, ++cookie, NULL, 0) != SLUICE_OK) break;
  }
}

static sluice_status_t on_create(const sluice_host_api_t* host, sluice_context_host_ptr ctx,
                                 sluice_config_host_ptr cfg, sluice_instance_plugin_ptr* out) {
  int64_t count = 10;
  host->callback_config_int(cfg, "count", &count);
  if (count < 0) {
    const char* message = "must be at least 0";
    sluice_str_t m = {message, strlen(message)};
    host->callback_config_error(cfg, "count", m);
    return SLUICE_ERROR;
  }
  counter* self = (counter*)calloc(1, sizeof *self);
  if (self == NULL) return SLUICE_ERROR;
  self->host = host;
  self->ctx = ctx;
  self->count = count;
  self->labels[0].name.data = "source";
  self->labels[0].name.size = 6;
  self->labels[0].value.data = "c_counter";
  self->labels[0].value.size = 9;
  *out = self;
  return SLUICE_OK;
}

static sluice_status_t on_start(sluice_instance_plugin_ptr p) {
  counter* self = (counter*)p;
  sluice_str_t name = {"counter", 7};
  return self->host->callback_spawn(self->ctx, name, run, self);
}

static void on_destroy(sluice_instance_plugin_ptr p) {
  free(p);
}

/* The settings it reads, for `sluice describe c_counter` and for the engine's messages. */
static const sluice_setting_t settings[] = {
    {"count", "integer", "10", "at least 0", "how many numbered lines to emit, then idle", "",
     0},
};

SLUICE_EXPORT const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t host_major,
                                                                    uint16_t host_minor) {
  static sluice_plugin_descriptor_t d;
  (void)host_major;
  (void)host_minor;
  d.struct_size = sizeof d;
  d.abi_major = SLUICE_ABI_MAJOR;
  d.abi_minor = SLUICE_ABI_MINOR;
  d.kind = SLUICE_KIND_SOURCE;
  d.name = "c_counter";
  d.version = "1.0.0";
  d.description = "Emits numbered lines; written in plain C";
  d.on_create = on_create;
  d.on_start = on_start;
  d.on_stop = NULL;
  d.on_destroy = on_destroy;
  d.on_ack = NULL;
  d.on_process = NULL;
  d.settings = settings;
  d.setting_count = sizeof settings / sizeof settings[0];
  d.setting_size = sizeof settings[0];
  return &d;
}
