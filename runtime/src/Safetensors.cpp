//===- Safetensors.cpp - loading and saving the arena as safetensors ------===//
//
// The format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON mapping each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (plus an optional
// "__metadata__" object of strings), then the data, with offsets relative to
// its start. Like the reference implementation, the reader insists that the
// tensors tile the data exactly: no overlap, no gap, nothing left over.
//
// One arena, two files: the parameters and buffers, and the optimizer state
// (RESC_ROLE_STATE), each read and written by name with the same checks.
//
//===----------------------------------------------------------------------===//

#include "Bytes.h"
#include "Error.h"
#include "File.h"
#include "Handles.h"
#include "Json.h"
#include "Shape.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace resc::rt {
namespace {

// The reference implementation's limit, which also bounds what a hostile
// header can make the JSON reader allocate.
constexpr uint64_t kMaxHeaderBytes = 100000000;

struct FileTensor {
  std::string name;
  int32_t dtype = RESC_F32;
  int32_t rank = 0;
  int64_t shape[RESC_MAX_RANK] = {};
  uint64_t begin = 0, end = 0; // relative to the data section
};

// Dtypes in the model and in the file are valid by the time this is asked.
const char *safetensorsDtype(int32_t dtype) { return dtypeInfo(dtype)->safetensors; }

// Reads one tensor entry of the header and checks it against `dataBytes`.
resc_error *parseEntry(const json::Member &member, uint64_t dataBytes, FileTensor &out) {
  const char *name = member.key.c_str();
  const json::Value &value = member.value;
  if (value.kind != json::Kind::Object)
    return makeError("tensor '%s' is described by a %s, not an object", name,
                     json::kindName(value.kind));
  for (const json::Member &field : value.members)
    if (field.key != "dtype" && field.key != "shape" && field.key != "data_offsets")
      return makeError("tensor '%s' has unexpected field '%s'", name, field.key.c_str());
  const json::Value *dtype = value.find("dtype");
  const json::Value *shape = value.find("shape");
  const json::Value *offsets = value.find("data_offsets");
  if (!dtype || !shape || !offsets)
    return makeError("tensor '%s' lacks field '%s'", name,
                     !dtype ? "dtype" : !shape ? "shape" : "data_offsets");

  out.name = member.key;
  if (dtype->kind != json::Kind::String)
    return makeError("tensor '%s' has a dtype that is not a string", name);
  const DtypeInfo *info = dtypeSpelled(&DtypeInfo::safetensors, dtype->text);
  if (!info)
    return makeError("tensor '%s' has unsupported dtype '%s' (resc reads F32, F64, I32, I64)",
                     name, dtype->text.c_str());
  out.dtype = info->dtype;

  if (shape->kind != json::Kind::Array)
    return makeError("tensor '%s' has a shape that is not an array", name);
  if (shape->items.size() > RESC_MAX_RANK)
    return makeError("tensor '%s' has rank %zu; the limit is %d", name, shape->items.size(),
                     RESC_MAX_RANK);
  out.rank = static_cast<int32_t>(shape->items.size());
  for (int32_t i = 0; i < out.rank; ++i) {
    uint64_t dim;
    if (!shape->items[i].asUint64(dim) || dim > static_cast<uint64_t>(INT64_MAX))
      return makeError("tensor '%s' has shape entry #%d that is not a non-negative integer",
                       name, i);
    out.shape[i] = static_cast<int64_t>(dim);
  }
  int64_t numel = 0, bytes = 0;
  if (!checkedNumel(out.shape, out.rank, numel) || !checkedBytes(numel, out.dtype, bytes))
    return makeError("tensor '%s' of shape %s is too large", name,
                     formatShape(out.shape, out.rank).c_str());

  if (offsets->kind != json::Kind::Array || offsets->items.size() != 2 ||
      !offsets->items[0].asUint64(out.begin) || !offsets->items[1].asUint64(out.end))
    return makeError("tensor '%s' has data_offsets that are not two non-negative integers", name);
  if (out.begin > out.end || out.end > dataBytes)
    return makeError("tensor '%s' has data_offsets [%llu, %llu] outside the %llu bytes of data",
                     name, static_cast<unsigned long long>(out.begin),
                     static_cast<unsigned long long>(out.end),
                     static_cast<unsigned long long>(dataBytes));
  if (out.end - out.begin != static_cast<uint64_t>(bytes))
    return makeError("tensor '%s' has data_offsets [%llu, %llu] spanning %llu bytes, but %s %s "
                     "needs %lld",
                     name, static_cast<unsigned long long>(out.begin),
                     static_cast<unsigned long long>(out.end),
                     static_cast<unsigned long long>(out.end - out.begin), dtype->text.c_str(),
                     formatShape(out.shape, out.rank).c_str(), static_cast<long long>(bytes));
  return nullptr;
}

resc_error *checkMetadata(const json::Value &value) {
  if (value.kind != json::Kind::Object)
    return makeError("__metadata__ is a %s, not an object", json::kindName(value.kind));
  for (const json::Member &member : value.members)
    if (member.value.kind != json::Kind::String)
      return makeError("__metadata__ entry '%s' is not a string", member.key.c_str());
  return nullptr;
}

// The tensors must tile [0, dataBytes) exactly, in some order.
resc_error *checkTiling(std::vector<FileTensor> &tensors, uint64_t dataBytes) {
  std::sort(tensors.begin(), tensors.end(), [](const FileTensor &a, const FileTensor &b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered = 0;
  const FileTensor *previous = nullptr;
  for (const FileTensor &t : tensors) {
    if (t.begin < covered)
      return makeError("tensors '%s' and '%s' overlap in the data", previous->name.c_str(),
                       t.name.c_str());
    if (t.begin > covered)
      return makeError("data bytes %llu..%llu belong to no tensor",
                       static_cast<unsigned long long>(covered),
                       static_cast<unsigned long long>(t.begin));
    covered = t.end;
    previous = &t;
  }
  if (covered != dataBytes)
    return makeError("data bytes %llu..%llu belong to no tensor",
                     static_cast<unsigned long long>(covered),
                     static_cast<unsigned long long>(dataBytes));
  return nullptr;
}

// Parses and checks the whole file; `dataStart` receives where data begins.
resc_error *parseFile(const FileBuffer &file, std::vector<FileTensor> &out, size_t &dataStart) {
  if (file.size() < 8)
    return makeError("the file has %zu bytes, too few for a safetensors header", file.size());
  uint64_t headerBytes = readLittleEndian(file.data(), 8);
  if (headerBytes > file.size() - 8)
    return makeError("header length %llu is larger than the rest of the file (%zu bytes)",
                     static_cast<unsigned long long>(headerBytes), file.size() - 8);
  if (headerBytes > kMaxHeaderBytes)
    return makeError("header length %llu exceeds the limit of %llu bytes",
                     static_cast<unsigned long long>(headerBytes),
                     static_cast<unsigned long long>(kMaxHeaderBytes));
  json::Value root;
  RESC_TRY(json::parse(reinterpret_cast<const char *>(file.data()) + 8,
                       static_cast<size_t>(headerBytes), root));
  if (root.kind != json::Kind::Object)
    return makeError("the header is a JSON %s, not an object", json::kindName(root.kind));
  dataStart = 8 + static_cast<size_t>(headerBytes);
  uint64_t dataBytes = file.size() - dataStart;
  for (const json::Member &member : root.members) {
    if (member.key == "__metadata__") {
      RESC_TRY(checkMetadata(member.value));
      continue;
    }
    out.emplace_back();
    RESC_TRY(parseEntry(member, dataBytes, out.back()));
  }
  return checkTiling(out, dataBytes);
}

// Which tensors of the arena one kind of file holds: the parameters and
// buffers (torch's model.state_dict()) or the optimizer state (torch's
// optimizer.state_dict()), kept apart as PyTorch keeps them.
struct FileKind {
  unsigned roles;     // bit (1 << role) for each role the file holds
  const char *holds;  // "parameter or buffer", for "model 'M' has no such ..."
  const char *loads;  // "parameters", for "cannot load ... from 'f'"
};

constexpr unsigned roleBit(int32_t role) { return 1u << role; }

const FileKind kParamsFile = {roleBit(RESC_ROLE_PARAM) | roleBit(RESC_ROLE_BUFFER),
                              "parameter or buffer", "parameters"};
const FileKind kStateFile = {roleBit(RESC_ROLE_STATE), "optimizer state tensor",
                             "optimizer state"};

// Whether tensor `t` has one of the roles of the mask `roles`.
bool hasRole(unsigned roles, const resc_tensor_desc &t) {
  return t.role >= 0 && t.role < 32 && (roles & roleBit(t.role)) != 0;
}

// A tensor of the file that the model keeps in the other file (a parameter
// in the state file, state in the parameters file) is a mix-up worth naming
// before anything goes missing; `tensors` is sorted by name.
resc_error *checkOtherKind(const std::vector<FileTensor> &tensors, const resc_model_desc &model,
                           const FileKind &kind) {
  std::unordered_map<std::string, const resc_tensor_desc *> others;
  for (int32_t i = 0; i < model.num_params; ++i)
    if (!hasRole(kind.roles, model.params[i]))
      others.emplace(model.params[i].name, &model.params[i]);
  for (const FileTensor &t : tensors) {
    auto found = others.find(t.name);
    if (found == others.end())
      continue;
    int32_t role = found->second->role;
    if (role == RESC_ROLE_STATE)
      return makeError("unexpected tensor '%s': it is optimizer state of model '%s', which is "
                       "saved and loaded apart from the parameters",
                       t.name.c_str(), model.model_name);
    return makeError("unexpected tensor '%s': it is a %s of model '%s', not optimizer state",
                     t.name.c_str(), role == RESC_ROLE_BUFFER ? "buffer" : "parameter",
                     model.model_name);
  }
  return nullptr;
}

// Matches the file's tensors with the model's tensors of `kind`, one to one;
// `sources` receives, per model tensor of that kind in description order,
// its tensor in the file.
resc_error *matchModel(const std::vector<FileTensor> &tensors, const resc_model_desc &model,
                       const FileKind &kind, std::vector<const FileTensor *> &sources) {
  RESC_TRY(checkOtherKind(tensors, model, kind));
  std::unordered_map<std::string, const FileTensor *> byName;
  for (const FileTensor &t : tensors)
    byName.emplace(t.name, &t);
  for (int32_t i = 0; i < model.num_params; ++i) {
    const resc_tensor_desc &want = model.params[i];
    if (!hasRole(kind.roles, want))
      continue;
    std::string shape = formatShape(want.shape, want.rank);
    auto found = byName.find(want.name);
    if (found == byName.end())
      return makeError("missing tensor '%s' (model '%s' needs %s %s)", want.name,
                       model.model_name, safetensorsDtype(want.dtype), shape.c_str());
    const FileTensor &have = *found->second;
    if (have.dtype != want.dtype)
      return makeError("tensor '%s' is %s in the file but %s in model '%s'", want.name,
                       safetensorsDtype(have.dtype), safetensorsDtype(want.dtype),
                       model.model_name);
    if (have.rank != want.rank ||
        !std::equal(want.shape, want.shape + want.rank, have.shape))
      return makeError("tensor '%s' has shape %s in the file but %s in model '%s'", want.name,
                       formatShape(have.shape, have.rank).c_str(), shape.c_str(),
                       model.model_name);
    sources.push_back(&have);
    byName.erase(found);
  }
  // What is left has no counterpart in the model; `tensors` is sorted by
  // name, so the message names the same one every time.
  for (const FileTensor &t : tensors)
    if (byName.count(t.name))
      return makeError("unexpected tensor '%s': model '%s' has no such %s", t.name.c_str(),
                       model.model_name, kind.holds);
  return nullptr;
}

std::string jsonString(const char *text) {
  std::string out = "\"";
  for (const unsigned char *c = reinterpret_cast<const unsigned char *>(text); *c; ++c) {
    if (*c == '"' || *c == '\\') {
      out += '\\';
      out += static_cast<char>(*c);
    } else if (*c < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", *c);
      out += escape;
    } else {
      out += static_cast<char>(*c);
    }
  }
  return out + "\"";
}

} // namespace
} // namespace resc::rt

using namespace resc::rt;

/// Loads the tensors of `kind` into the arena of `params`; `api` names the
/// public call for argument errors.
static resc_error *loadArena(resc_params *params, const char *path, const FileKind &kind,
                             const char *api) {
  if (!params || !path)
    return makeError("%s: 'params' and 'path' must not be NULL", api);
  FileBuffer file;
  RESC_TRY(readFile(path, file));
  std::vector<FileTensor> tensors;
  size_t dataStart = 0;
  if (resc_error *error = parseFile(file, tensors, dataStart))
    return prefixError(error, "'%s' is not a valid safetensors file", path);
  // parseFile sorted by offset; name order makes messages deterministic.
  std::sort(tensors.begin(), tensors.end(),
            [](const FileTensor &a, const FileTensor &b) { return a.name < b.name; });
  const resc_model_desc &model = *params->model->desc;
  std::vector<const FileTensor *> sources;
  if (resc_error *error = matchModel(tensors, model, kind, sources))
    return prefixError(error, "cannot load %s from '%s'", kind.loads, path);
  // Everything is checked: only now is the arena written.
  size_t next = 0;
  for (int32_t i = 0; i < model.num_params; ++i) {
    if (!hasRole(kind.roles, model.params[i]))
      continue;
    const FileTensor &source = *sources[next++];
    std::memcpy(static_cast<char *>(params->arena) + model.params[i].offset,
                file.data() + dataStart + source.begin, source.end - source.begin);
  }
  return nullptr;
}

extern "C" resc_error *resc_params_load_safetensors(resc_params *params, const char *path) {
  return loadArena(params, path, kParamsFile, "resc_params_load_safetensors");
}

extern "C" resc_error *resc_state_load_safetensors(resc_params *params, const char *path) {
  return loadArena(params, path, kStateFile, "resc_state_load_safetensors");
}

/// Writes the tensors of `arena` (laid out as the model's parameter arena)
/// whose role is in `roles` (a mask of roleBit), by name.
static resc_error *saveArena(const resc_model_desc &model, const void *arena, unsigned roles,
                             const char *path) {
  std::string header = "{\"__metadata__\":{\"format\":\"pt\"}";
  std::vector<Piece> pieces(2); // the length and the header, filled below
  uint64_t offset = 0;
  for (int32_t i = 0; i < model.num_params; ++i) {
    const resc_tensor_desc &t = model.params[i];
    if (!hasRole(roles, t))
      continue;
    header += "," + jsonString(t.name) + ":{\"dtype\":\"" + safetensorsDtype(t.dtype) +
              "\",\"shape\":[";
    for (int32_t d = 0; d < t.rank; ++d)
      header += (d ? "," : "") + std::to_string(t.shape[d]);
    uint64_t end = offset + static_cast<uint64_t>(t.nbytes);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(end) + "]}";
    pieces.push_back({static_cast<const char *>(arena) + t.offset,
                      static_cast<size_t>(t.nbytes)});
    offset = end;
  }
  header += "}";
  // Spaces after the JSON align the data to 8 bytes, as the reference writer does.
  header.append((8 - header.size() % 8) % 8, ' ');
  uint8_t length[8];
  writeLittleEndian(length, header.size(), 8);
  pieces[0] = {length, sizeof length};
  pieces[1] = {header.data(), header.size()};
  return writeFileAtomic(path, pieces.data(), pieces.size());
}

extern "C" resc_error *resc_params_save_safetensors(const resc_params *params, const char *path) {
  if (!params || !path)
    return makeError("resc_params_save_safetensors: 'params' and 'path' must not be NULL");
  return saveArena(*params->model->desc, params->arena, kParamsFile.roles, path);
}

extern "C" resc_error *resc_state_save_safetensors(const resc_params *params, const char *path) {
  if (!params || !path)
    return makeError("resc_state_save_safetensors: 'params' and 'path' must not be NULL");
  return saveArena(*params->model->desc, params->arena, kStateFile.roles, path);
}

extern "C" resc_error *resc_grads_save_safetensors(const resc_model *model, const resc_tensor *grads,
                                                   const char *path) {
  if (!model || !grads || !path)
    return makeError("resc_grads_save_safetensors: 'model', 'grads' and 'path' must not be NULL");
  const resc_model_desc &desc = *model->desc;
  if (static_cast<int64_t>(grads->nbytes) < desc.param_arena_bytes)
    return makeError("resc_grads_save_safetensors: the gradient tensor has %lld bytes but model "
                     "'%s' has a %lld-byte parameter arena",
                     static_cast<long long>(grads->nbytes), desc.model_name,
                     static_cast<long long>(desc.param_arena_bytes));
  // Buffers and optimizer state have no gradient.
  return saveArena(desc, grads->data, roleBit(RESC_ROLE_PARAM), path);
}
