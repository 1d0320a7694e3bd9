// Rendering records as text or JSON lines.
#pragma once

#include <string>

#include "sluice/abi.h"

enum class Format { text, json };

// Appends one line (with its newline) for the record to out.
void append_record(const sluice_record_t& r, Format format, std::string& out);
// RFC 3339 UTC with nanoseconds: 2026-11-23T20:56:01.123456789Z
void append_timestamp(int64_t ns, std::string& out);
