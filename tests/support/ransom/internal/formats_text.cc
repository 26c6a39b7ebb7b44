// The text-like kinds: prose, source code, logs, mail, SQL dumps, man pages, git's small files.
#include <cstdio>

#include "tests/support/ransom/internal/containers.h"
#include "tests/support/ransom/internal/formats.h"
#include "tests/support/ransom/internal/kinds.h"

namespace stormproof::testing::ransom::internal {
namespace {

constexpr std::string_view kWords[128] = {
    "the",      "client",   "invoice",  "restore", "ledger",   "backup",    "quarter",  "budget",
    "payment",  "report",   "meeting",  "project", "contract", "schedule",  "review",   "account",
    "balance",  "server",   "office",   "network", "policy",   "renewal",   "customer", "order",
    "delivery", "team",     "and",      "of",      "to",       "in",        "for",      "with",
    "on",       "by",       "from",     "at",      "is",       "was",       "will",     "be",
    "this",     "that",     "we",       "our",     "your",     "their",     "please",   "thanks",
    "regards",  "draft",    "final",    "total",   "amount",   "due",       "date",     "january",
    "february", "march",    "april",    "may",     "june",     "july",      "august",   "september",
    "october",  "november", "december", "monday",  "tuesday",  "wednesday", "thursday", "friday",
    "north",    "south",    "east",     "west",    "sales",    "support",   "finance",  "payroll",
    "hiring",   "plan",     "forecast", "risk",    "audit",    "storage",   "disk",     "volume",
    "update",   "release",  "version",  "change",  "request",  "ticket",    "issue",    "fixed",
    "pending",  "approved", "rejected", "signed",  "sent",     "received",  "2024",     "2025",
    "2026",     "EUR",      "USD",      "net",     "gross",    "tax",       "vat",      "line",
    "item",     "price",    "unit",     "hours",   "rate",     "new",       "old",      "next",
    "last",     "first",    "second",   "summary", "notes",    "action",    "owner",    "status"};

constexpr std::string_view kCTokens[32] = {
    "int",    "return", "if",   "else",   "for",      "while",  "static", "const",
    "struct", "void",   "char", "size_t", "uint64_t", "buffer", "length", "offset",
    "count",  "=",      "==",   "!=",     "+",        "-",      "(",      ")",
    "{",      "}",      "[i]",  "0",      "1",        "NULL",   "->next", "&&"};

constexpr std::string_view kPyTokens[32] = {
    "def",  "return", "if",      "else:",   "for",    "in",     "while", "import",
    "from", "self",   "None",    "True",    "False",  "len(",   ")",     "(",
    "=",    "==",     "+",       "records", "row",    "path",   "open(", "with",
    "as",   "value",  "items()", "append(", "print(", "range(", "data",  "key"};

std::string_view Word(uint64_t r) { return kWords[r & 127]; }

void AppendCode(std::string& out, size_t n, SplitMix64& rng, const std::string_view* tokens,
                std::string_view line_end) {
  const size_t end = out.size() + n;
  while (out.size() < end) {
    uint64_t r = rng.Next();
    out.append(2 * (r & 3), ' ');
    r >>= 2;
    const int words = 3 + static_cast<int>(r % 6);
    for (int i = 0; i < words; ++i) {
      r = rng.Next();
      out += (r & 1) ? tokens[(r >> 1) & 31] : Word(r >> 6);
      out += ' ';
    }
    out += line_end;
  }
  out.resize(end);
}

}  // namespace

void AppendProse(std::string& out, size_t n, SplitMix64& rng) {
  const size_t end = out.size() + n;
  while (out.size() < end) {
    const uint64_t r = rng.Next();
    out += Word(r);
    out += ((r >> 7) % 14 == 0) ? ".\n" : " ";
  }
  out.resize(end);
}

void AppendLogLines(std::string& out, size_t n, SplitMix64& rng) {
  static constexpr std::string_view kLevels[4] = {"INFO", "INFO", "WARN", "DEBUG"};
  const size_t end = out.size() + n;
  uint64_t seconds = rng.Below(86400 * 300);
  char stamp[64];
  while (out.size() < end) {
    seconds += rng.Below(30);
    std::snprintf(stamp, sizeof stamp, "2026-%02d-%02dT%02d:%02d:%02dZ host01 app[%d]: ",
                  static_cast<int>(1 + seconds / (86400 * 31) % 12),
                  static_cast<int>(1 + seconds / 86400 % 28), static_cast<int>(seconds / 3600 % 24),
                  static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60),
                  static_cast<int>(1000 + rng.Below(50)));
    out += stamp;
    out += kLevels[rng.Below(4)];
    out += ' ';
    AppendProse(out, 30 + rng.Below(90), rng);
    out += '\n';
  }
  out.resize(end);
}

std::string MakeSource(std::string_view name, size_t size, SplitMix64& rng) {
  const std::string_view ext = name.substr(name.rfind('.') + 1);
  std::string out;
  if (ext == "py") {
    out = "#!/usr/bin/env python3\n\"\"\"Ledger tools.\"\"\"\nimport os\n\n";
    AppendCode(out, size, rng, kPyTokens, "\n");
  } else if (ext == "md") {
    out = "# Project notes\n\n## Overview\n\n";
    AppendProse(out, size, rng);
  } else {
    out = "/* Copyright 2026 the ledger authors. */\n#include <stdio.h>\n#include <stdint.h>\n\n";
    AppendCode(out, size, rng, kCTokens, ";\n");
  }
  out.resize(size);
  return out;
}

std::string MakeMail(size_t size, SplitMix64& rng) {
  std::string out = "Return-Path: <" + std::string(Word(rng.Next())) + "@example.com>\n";
  out += "From: " + std::string(Word(rng.Next())) + " <" + rng.Hex(8) + "@example.com>\n";
  out += "To: office@example.net\nSubject: ";
  AppendProse(out, 20 + rng.Below(40), rng);
  out += "\nDate: Mon, 3 Aug 2026 09:14:00 +0000\nMessage-ID: <" + rng.Hex(24) +
         "@mail.example.com>\nMIME-Version: 1.0\n";
  const bool attachment = size > 8192 && rng.Chance(0.3);
  if (!attachment) {
    out += "Content-Type: text/plain; charset=utf-8\n\n";
    AppendProse(out, size > out.size() ? size - out.size() : 16, rng);
    return out;
  }
  out += "Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\n";
  AppendProse(out, 400 + rng.Below(2000), rng);
  out += "\n--b1\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n";
  static constexpr char kBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  while (out.size() + 8 < size) {
    for (int i = 0; i < 76; ++i) out += kBase64[rng.Below(64)];
    out += '\n';
  }
  out += "--b1--\n";
  return out;
}

std::string MakeSqlDump(size_t size, SplitMix64& rng) {
  std::string out =
      "-- ledger database dump\nBEGIN TRANSACTION;\nCREATE TABLE entries(id INTEGER PRIMARY KEY, "
      "account TEXT, memo TEXT, amount_cents INTEGER);\n";
  char number[48];
  for (uint64_t id = 1; out.size() + 32 < size; ++id) {
    std::snprintf(number, sizeof number, "INSERT INTO entries VALUES(%llu,'",
                  static_cast<unsigned long long>(id));
    out += number;
    out += Word(rng.Next());
    out += "','";
    AppendProse(out, 20 + rng.Below(60), rng);
    std::snprintf(number, sizeof number, "',%llu);\n",
                  static_cast<unsigned long long>(rng.Below(10'000'000)));
    out += number;
  }
  out += "COMMIT;\n";
  return out;
}

std::string MakeManPage(std::string_view name, size_t size, SplitMix64& rng) {
  std::string roff = ".TH " + std::string(name.substr(0, name.find('.'))) + " 1 2026\n.SH NAME\n";
  while (roff.size() < 3 * size) {
    roff += ".SH ";
    AppendProse(roff, 12, rng);
    roff += "\n.PP\n";
    AppendProse(roff, 200 + rng.Below(800), rng);
    roff += '\n';
  }
  return Deflate(roff, Wrapper::kGzip);
}

std::string MakeGitLoose(size_t size, SplitMix64& rng) {
  std::string text;
  AppendCode(text, 3 * size + 16, rng, kCTokens, ";\n");
  return Deflate("blob " + std::to_string(text.size()) + '\0' + text, Wrapper::kZlib);
}

std::string MakeGitMeta(std::string_view name, SplitMix64& rng) {
  if (name == "HEAD") return "ref: refs/heads/main\n";
  if (name == "config") {
    return "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
           "[remote \"origin\"]\n\turl = git@example.com:ledger.git\n";
  }
  return rng.Hex(40) + "\n";
}

}  // namespace stormproof::testing::ransom::internal
