#pragma once
// Statement texts kept per shape and thread. For a call whose shape was seen before, building
// its text again (formatting, numbering) was most of what the client added to a hand-written
// query (pgkit_client_bench): the text is looked up by a key holding everything it depends on.
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace pgkit::client::detail {

/// The text for key: made by make() the first time on this thread. One cache per call site (each
/// lambda type); a program with more than 512 shapes at one site makes some texts again.
template <class Make>
std::string cached_text(std::string key, Make make) {
  thread_local std::unordered_map<std::string, std::string> texts;
  if (auto it = texts.find(key); it != texts.end()) return it->second;
  if (texts.size() >= 512) texts.clear();
  return texts.emplace(std::move(key), make()).first->second;
}

/// Appends one part of a key, after its length: parts cannot run into each other, whatever
/// characters a quoted identifier holds.
inline void key_part(std::string& key, std::string_view part) {
  key += std::to_string(part.size());
  key += ':';
  key += part;
}

}  // namespace pgkit::client::detail
