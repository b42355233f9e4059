// Writes the small seed corpora of the fuzz harnesses (tests/fuzz/corpus/<harness>/), with the library's own
// writers: valid files and a few near-misses. Run by scripts/fuzz.sh --make-corpus; the output is checked in.
//   make_corpus <corpus dir>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <swatnn/data/csv.hpp>
#include <swatnn/data/npy.hpp>
#include <swatnn/io/checkpoint.hpp>
#include <swatnn/network/export_json.hpp>

#include "network/export_cpp/networks.hpp"

namespace fs = std::filesystem;
using namespace swatnn;

namespace {
void put(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const fs::path root = argv[1];
  const fs::path tmp = fs::temp_directory_path() / "swatnn_make_corpus.tmp";

  // CSV: a header, no header, CRLF + BOM, quotes and '+', a ragged row
  std::string csv = "x1,x2,y\n";
  for (int i = 0; i < 12; ++i) csv += std::to_string(i * 0.5) + "," + std::to_string(1 - i) + "," + std::to_string(i * i) + "\n";
  put(root / "csv" / "header.csv", csv);
  put(root / "csv" / "no_header.csv", csv.substr(csv.find('\n') + 1));
  std::string crlf = "\xEF\xBB\xBF" "a;b\r\n";
  for (int i = 0; i < 11; ++i) crlf += "\"" + std::to_string(i) + "\";+" + std::to_string(2 * i) + "e-1\r\n";
  put(root / "csv" / "bom_crlf.csv", crlf);
  put(root / "csv" / "ragged.csv", "1,2,3\n4,5\n");

  // NPY: float64 and float32 from save_npy, a Fortran-order file and a version 2 file by hand
  cpu::matrix<double> m(11, 3);
  for (int r = 0; r < 11; ++r)
    for (int c = 0; c < 3; ++c) m(r, c) = 0.5 * r - c;
  data::save_npy(tmp.string(), m);
  put(root / "npy" / "f8.npy", slurp(tmp));
  const cpu::matrix<float> mf = m.cast<float>();
  data::save_npy(tmp.string(), mf);
  const std::string f4 = slurp(tmp);
  put(root / "npy" / "f4.npy", f4);
  std::string fortran = f4;
  fortran.replace(fortran.find("False"), 5, "True ");
  put(root / "npy" / "fortran.npy", fortran);
  std::string v2 = f4.substr(0, 8);
  v2[6] = '\x02';
  const std::string dict = f4.substr(10, static_cast<std::size_t>(static_cast<unsigned char>(f4[8])) - 2);
  const std::uint32_t len = static_cast<std::uint32_t>(dict.size());
  v2.append(reinterpret_cast<const char*>(&len), 4);
  put(root / "npy" / "v2.npy", v2 + dict + f4.substr(10 + static_cast<unsigned char>(f4[8])));

  // the inputs that broke the former xtensor-based reader (regression seeds; tests/data/npy_header.cpp)
  std::string zero = "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 100000000000), }";
  zero += '\n';
  put(root / "npy" / "zero_rows.npy", std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(zero.size()) + '\0' + zero);
  put(root / "npy" / "header_length_ffffffff.npy", std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12));

  // network JSON: a fixed network with metadata (column names included), a random deeper one (v1_fixed.json and
  // v1_random.json, the same two as written by the former hand-written writer, are kept in the corpus, not written)
  const auto scaling = data::minmax_scaler::from_bounds(std::vector<double>{-1.0, 0.0}, std::vector<double>{2.0, 5.0});
  put(root / "json" / "fixed.json",
      to_json(test_export::fixed_network(), network_metadata{.name = "seed", .train_mse = 0.5, .input_scaling = scaling,
                                                             .input_names = {"x1", "x/2"}, .target_names = {"y"}}));
  put(root / "json" / "random.json", to_json(test_export::random_network<paper_spec, float>(7)));

  // checkpoints (mode byte 0: as is; 1: the harness repairs size and checksums; 3: as double)
  const char* config = "fuzz_model{dim=4};scales<1,2>";
  const std::vector<float> params{0.5f, -1.25f, 3.0f};
  const std::vector<float> moments{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
  save_checkpoint<float>(tmp, {.configuration = config, .parameters = params,
                               .optimizer = optimizer_snapshot_view<float>{.step = 7, .moments = moments},
                               .rng_state = "12345 678"});
  const std::string full = slurp(tmp);
  put(root / "checkpoint" / "float_adam.bin", std::string(1, '\0') + full);
  put(root / "checkpoint" / "float_adam_repair.bin", std::string(1, '\1') + full);
  save_checkpoint<float>(tmp, {.configuration = config, .parameters = params});
  put(root / "checkpoint" / "float_model.bin", std::string(1, '\1') + slurp(tmp));
  const std::vector<double> dparams{1.0, 2.0};
  save_checkpoint<double>(tmp, {.configuration = config, .parameters = dparams});
  put(root / "checkpoint" / "double_model.bin", std::string(1, '\3') + slurp(tmp));
  fs::remove(tmp);
  return 0;
}
