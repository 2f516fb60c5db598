// evaluate() on hand-built graphs against the project's real policies.
#include "policy/fixtures.hpp"

using namespace wheelfix;
using namespace wheelfix::policy;
using namespace wheelfix::policy::test;
using Lines = std::vector<std::string>;

namespace {

const std::vector<std::string> kX86Manylinux = {
    "manylinux_2_5",  "manylinux_2_12", "manylinux_2_17", "manylinux_2_24", "manylinux_2_26", "manylinux_2_27",
    "manylinux_2_28", "manylinux_2_31", "manylinux_2_34", "manylinux_2_35", "manylinux_2_36", "manylinux_2_37",
    "manylinux_2_38", "manylinux_2_39", "manylinux_2_40", "manylinux_2_41"};

// A wheel with one extension linked against the system libc.
struct OneExt {
  GraphBuilder b;
  int ext = b.wheel("pkg/_ext.so");
  int libc = b.external("/lib/x86_64-linux-gnu/libc.so.6");
  OneExt() { b.need(ext, "libc.so.6", libc); }
};

}  // namespace

TEST_CASE("a version too new fails the older policies with the exact reason") {
  OneExt w;
  w.b.ref(w.ext, "libc.so.6", "GLIBC_2.2.5");
  w.b.ref(w.ext, "libc.so.6", "GLIBC_2.34");
  w.b.ref(w.ext, "libc.so.6", "GLIBC_2.34");  // duplicates give one reason
  Evaluation ev = evaluate(w.b.graph, real_policies());
  CHECK(ev.arch == elf::Arch::x86_64);
  CHECK(ev.libc == Libc::glibc);
  CHECK(result_names(ev) == kX86Manylinux);
  REQUIRE(ev.best != nullptr);
  CHECK(ev.best->name == "manylinux_2_34");
  CHECK(ev.platform_tag == "manylinux_2_34_x86_64");
  for (const auto& r : ev.results) {
    INFO(r.policy->name);
    bool older = r.policy->priority > ev.best->priority;
    CHECK(r.ok == !older);
    if (older) CHECK(described(r) == Lines{"symbol version GLIBC_2.34 in pkg/_ext.so (from libc.so.6)"});
  }
  CHECK(ev.grafted.empty());
}

TEST_CASE("tag strings carry aliases on x86_64 and none on riscv64") {
  OneExt w;
  w.b.ref(w.ext, "libc.so.6", "GLIBC_2.17");
  Evaluation ev = evaluate(w.b.graph, real_policies());
  CHECK(ev.platform_tag == "manylinux2014_x86_64.manylinux_2_17_x86_64");

  GraphBuilder b;
  int ext = b.wheel("pkg/_ext.so", elf::Arch::i686);
  b.ref(ext, "libc.so.6", "GLIBC_2.1");
  CHECK(evaluate(b.graph, real_policies()).platform_tag == "manylinux1_i686.manylinux_2_5_i686");

  GraphBuilder r;
  int rext = r.wheel("pkg/_ext.so", elf::Arch::riscv64);
  r.ref(rext, "libc.so.6", "GLIBC_2.27");
  Evaluation rev = evaluate(r.graph, real_policies());
  CHECK(rev.arch == elf::Arch::riscv64);
  REQUIRE(!rev.results.empty());
  CHECK(rev.results.front().policy->name == "manylinux_2_31");  // older ones lack riscv64
  CHECK(rev.platform_tag == "manylinux_2_31_riscv64");
}

TEST_CASE("prefixes: listed prefixes constrain, others do not, empty lists reject") {
  OneExt w;
  w.b.ref(w.ext, "libssl.so.3", "OPENSSL_3.0.0");        // unlisted prefix
  w.b.ref(w.ext, "libfoo.so", "Base");                     // no '_': ignored
  w.b.ref(w.ext, "ld-linux-x86-64.so.2", "GLIBC_2.35");    // the loader: ignored
  w.b.ref(w.ext, "libatomic.so.1", "LIBATOMIC_1.2", true); // weak counts too
  Evaluation ev = evaluate(w.b.graph, real_policies());
  REQUIRE(ev.best != nullptr);
  CHECK(ev.best->name == "manylinux_2_24");  // LIBATOMIC is [] before 2_24
  CHECK(described(*result_for(ev, "manylinux_2_17")) ==
        Lines{"symbol version LIBATOMIC_1.2 in pkg/_ext.so (from libatomic.so.1)"});

  OneExt relr;  // GLIBC_ABI_DT_RELR splits into GLIBC / ABI_DT_RELR
  relr.b.ref(relr.ext, "libc.so.6", "GLIBC_ABI_DT_RELR");
  CHECK(evaluate(relr.b.graph, real_policies()).best->name == "manylinux_2_36");
}

TEST_CASE("a grafted library's versions lower the tag") {
  OneExt w;
  w.b.ref(w.ext, "libc.so.6", "GLIBC_2.14");
  int ffi = w.b.external("/usr/lib/x86_64-linux-gnu/libffi.so.8");
  w.b.need(w.ext, "libffi.so.8", ffi);
  w.b.need(ffi, "libc.so.6", w.libc);
  w.b.ref(ffi, "libc.so.6", "GLIBC_2.27");
  Evaluation ev = evaluate(w.b.graph, real_policies());
  REQUIRE(ev.best != nullptr);
  CHECK(ev.best->name == "manylinux_2_27");
  CHECK(described(*result_for(ev, "manylinux_2_26")) ==
        Lines{"symbol version GLIBC_2.27 in /usr/lib/x86_64-linux-gnu/libffi.so.8 (from libc.so.6)"});
  CHECK(described(*result_for(ev, "manylinux_2_12")) ==
        Lines{"symbol version GLIBC_2.27 in /usr/lib/x86_64-linux-gnu/libffi.so.8 (from libc.so.6)",
              "symbol version GLIBC_2.14 in pkg/_ext.so (from libc.so.6)"});  // sorted by kind, file
  REQUIRE(ev.grafted.size() == 1);
  CHECK(ev.grafted[0].name == "libffi.so.8");
  CHECK(ev.grafted[0].object == ffi);
  CHECK(ev.grafted[0].needed_by == Lines{"pkg/_ext.so"});
}

TEST_CASE("the whitelist stops the walk, per policy") {
  // libexpat.so.1 is whitelisted from manylinux_2_12 on, not in manylinux_2_5.
  OneExt w;
  int expat = w.b.external("/usr/lib/x86_64-linux-gnu/libexpat.so.1");
  int bar = w.b.external("/usr/lib/libbar.so.2");
  w.b.need(w.ext, "libexpat.so.1", expat);
  w.b.need(expat, "libbar.so.2", bar);
  w.b.ref(expat, "libc.so.6", "GLIBC_2.25");
  w.b.need(expat, "libmissing.so.7");  // only seen when expat is walked
  Evaluation ev = evaluate(w.b.graph, real_policies());
  REQUIRE(ev.best != nullptr);
  CHECK(ev.best->name == "manylinux_2_12");
  CHECK(ev.grafted.empty());
  CHECK(described(ev.results.at(0)) ==
        Lines{"symbol version GLIBC_2.25 in /usr/lib/x86_64-linux-gnu/libexpat.so.1 (from libc.so.6)",
              "/usr/lib/x86_64-linux-gnu/libexpat.so.1 needs libmissing.so.7, which was not found"});
}

TEST_CASE("excluded libraries are neither grafted nor checked") {
  OneExt w;
  int cuda = w.b.external("/usr/lib/libcuda.so.1");
  w.b.need(w.ext, "libcuda.so.1", cuda);
  w.b.ref(cuda, "libc.so.6", "GLIBC_2.38");
  w.b.need(cuda, "libnvidia-ptx.so.1");  // missing, but behind an excluded lib
  w.b.need(w.ext, "libnccl.so.2");       // missing and excluded itself
  Evaluation plain = evaluate(w.b.graph, real_policies());
  CHECK(plain.best == nullptr);
  CHECK(plain.platform_tag == "linux_x86_64");

  EvalOptions options;
  options.exclude = {"libcuda.so.*", "libnccl*"};
  Evaluation ev = evaluate(w.b.graph, real_policies(), options);
  REQUIRE(ev.best != nullptr);
  CHECK(ev.best->name == "manylinux_2_5");
  CHECK(ev.grafted.empty());
}

TEST_CASE("missing libraries fail every policy that does not whitelist them") {
  OneExt w;
  w.b.need(w.ext, "libbar.so.1");
  w.b.need(w.ext, "libm.so.6");  // not found, but whitelisted everywhere
  Evaluation ev = evaluate(w.b.graph, real_policies());
  CHECK(ev.best == nullptr);
  CHECK(ev.platform_tag == "linux_x86_64");
  CHECK(result_names(ev) == kX86Manylinux);
  for (const auto& r : ev.results) {
    CHECK(described(r) == Lines{"pkg/_ext.so needs libbar.so.1, which was not found"});
  }
}

TEST_CASE("blacklisted symbols of direct dependencies") {
  GraphBuilder b;
  int z = b.wheel("pkg/_z.so");
  int other = b.wheel("pkg/_other.so");
  int libz = b.external("/lib/x86_64-linux-gnu/libz.so.1");
  int foo = b.external("/usr/lib/libfoo.so.1");
  b.need(z, "libz.so.1", libz);
  b[z].undefined_strong = {"zcalloc", "deflate", "zcfree"};
  b.need(other, "libfoo.so.1", foo);  // zcalloc here is not from a libz it needs
  b.need(foo, "libz.so.1", libz);
  b[other].undefined_strong = {"zcalloc"};
  Evaluation ev = evaluate(b.graph, real_policies());
  CHECK(ev.best == nullptr);
  for (const auto& r : ev.results) {
    CHECK(described(r) == Lines{"blacklisted symbol zcalloc in pkg/_z.so (from libz.so.1)",
                                "blacklisted symbol zcfree in pkg/_z.so (from libz.so.1)"});
  }
  CHECK(ev.grafted.size() == 1);  // libfoo (libz is whitelisted)

  b[z].undefined_strong = {"deflate"};  // weak zcalloc refs are not listed as strong
  Evaluation fixed = evaluate(b.graph, real_policies());
  REQUIRE(fixed.best != nullptr);
  CHECK(fixed.best->name == "manylinux_2_5");
}

TEST_CASE("x86-64 ISA levels above baseline fail manylinux and musllinux") {
  GraphBuilder b;
  int v3 = b.wheel("pkg/_v3.so");
  b[v3].isa_level = 3;
  Evaluation ev = evaluate(b.graph, real_policies());
  CHECK(ev.best == nullptr);
  CHECK(ev.platform_tag == "linux_x86_64");
  CHECK(described(ev.results.at(0)) == Lines{"pkg/_v3.so needs x86-64-v3 (manylinux requires baseline x86-64)"});

  b[v3].libc = Libc::musl;
  Evaluation musl = evaluate(b.graph, real_policies());
  REQUIRE(musl.results.size() == 1);
  CHECK(described(musl.results[0]) == Lines{"pkg/_v3.so needs x86-64-v3 (musllinux requires baseline x86-64)"});

  EvalOptions no_isa;  // --disable-isa-ext-check
  no_isa.check_isa = false;
  b[v3].libc = Libc::glibc;
  Evaluation unchecked = evaluate(b.graph, real_policies(), no_isa);
  REQUIRE(unchecked.best != nullptr);
  CHECK(unchecked.best->name == "manylinux_2_5");
  for (const auto& result : unchecked.results) {
    for (const Reason& r : result.reasons) CHECK(r.kind != ReasonKind::isa_level);
  }

  GraphBuilder arm;  // the level is an x86-64 notion
  int a = arm.wheel("pkg/_a.so", elf::Arch::aarch64);
  arm[a].isa_level = 3;
  CHECK(evaluate(arm.graph, real_policies()).platform_tag == "manylinux2014_aarch64.manylinux_2_17_aarch64");
}

TEST_CASE("libpython links are recorded, not followed, not a reason") {
  OneExt w;
  w.b.need(w.ext, "libpython3.11.so.1.0");
  Evaluation ev = evaluate(w.b.graph, real_policies());
  REQUIRE(ev.best != nullptr);
  CHECK(ev.best->name == "manylinux_2_5");
  REQUIRE(ev.libpython_links.size() == 1);
  CHECK(ev.libpython_links[0] == std::pair<std::string, std::string>{"pkg/_ext.so", "libpython3.11.so.1.0"});

  CHECK(is_libpython("libpython3.so"));
  CHECK(is_libpython("libpython3.13t.so"));
  CHECK(is_libpython("libpython2.7mu.so.1.0"));
  CHECK(is_libpython("libpython3.11d.so.1.0"));
  CHECK_FALSE(is_libpython("libpython.so"));
  CHECK_FALSE(is_libpython("libpythonista3.so"));
  CHECK_FALSE(is_libpython("libpython3.11.so.x"));
  CHECK_FALSE(is_libpython("libboost_python311.so.1.83.0"));
}

TEST_CASE("musl wheels get one musllinux policy") {
  GraphBuilder b;
  int ext = b.wheel("pkg/_ext.so", elf::Arch::x86_64, Libc::musl);
  b.need(ext, "libc.so");
  Evaluation ev = evaluate(b.graph, real_policies());
  CHECK(ev.libc == Libc::musl);
  CHECK(result_names(ev) == Lines{"musllinux_1_2"});
  CHECK(ev.platform_tag == "musllinux_1_2_x86_64");

  EvalOptions old_musl;
  old_musl.musl_version = std::pair{1, 1};
  CHECK(evaluate(b.graph, real_policies(), old_musl).platform_tag == "musllinux_1_1_x86_64");
  EvalOptions future_musl;
  future_musl.musl_version = std::pair{1, 9};
  Evaluation none = evaluate(b.graph, real_policies(), future_musl);
  CHECK(none.results.empty());
  CHECK(none.platform_tag == "linux_x86_64");
}

TEST_CASE("glibc and musl objects in one wheel fail everything") {
  GraphBuilder b;
  b.wheel("pkg/_g.so", elf::Arch::x86_64, Libc::glibc);
  b.wheel("pkg/_m.so", elf::Arch::x86_64, Libc::musl);
  Evaluation ev = evaluate(b.graph, real_policies());
  CHECK(ev.libc == Libc::unknown);
  CHECK(ev.best == nullptr);
  CHECK(ev.results.size() == kX86Manylinux.size() + 1);
  CHECK(ev.results.back().policy->name == "musllinux_1_2");
  for (const auto& r : ev.results) {
    CHECK(described(r) == Lines{"pkg/_m.so is linked against musl, but pkg/_g.so against glibc (a wheel targets one libc)"});
  }
}

TEST_CASE("objects without libc linkage take the best family") {
  GraphBuilder b;
  b.wheel("pkg/_pure.so", elf::Arch::aarch64, Libc::unknown);
  Evaluation ev = evaluate(b.graph, real_policies());
  CHECK(ev.libc == Libc::unknown);
  CHECK(ev.platform_tag == "manylinux2014_aarch64.manylinux_2_17_aarch64");  // manylinux wins ties

  // Needs musl's "libc.so" (whitelisted by musllinux only): manylinux fails.
  b.need(0, "libc.so");
  Evaluation musl = evaluate(b.graph, real_policies());
  CHECK(musl.platform_tag == "musllinux_1_2_aarch64");
  CHECK(result_names(musl) == Lines{"musllinux_1_2"});
}

TEST_CASE("objects of different arches fail every policy with an arch reason") {
  GraphBuilder b;
  b.wheel("pkg/_a.so", elf::Arch::x86_64);
  b.wheel("pkg/_b.so", elf::Arch::aarch64);
  Evaluation ev = evaluate(b.graph, real_policies());
  CHECK(ev.arch == elf::Arch::unknown);
  CHECK(ev.best == nullptr);
  CHECK(ev.platform_tag.empty());  // no tag exists ("linux_unknown" is none)
  CHECK(ev.results.size() == kX86Manylinux.size());
  for (const auto& r : ev.results) {
    CHECK(described(r) == Lines{"pkg/_b.so is aarch64, but pkg/_a.so is x86_64 (a wheel holds one architecture)"});
  }
}

TEST_CASE("grafted libraries list who needs them, sorted and deduplicated") {
  GraphBuilder b;
  int two = b.wheel("pkg/z/_two.so");
  int one = b.wheel("pkg/a/_one.so");
  int ssl = b.external("/usr/lib/libssl.so.3");
  int crypto = b.external("/usr/lib/libcrypto.so.3");
  b.need(two, "libssl.so.3", ssl);
  b.need(two, "libssl.so.3", ssl);
  b.need(one, "libssl.so.3", ssl);
  b.need(ssl, "libcrypto.so.3", crypto);
  b.need(one, "libcrypto.so.3", crypto);
  Evaluation ev = evaluate(b.graph, real_policies());
  REQUIRE(ev.grafted.size() == 2);
  CHECK(ev.grafted[0].name == "libcrypto.so.3");
  CHECK(ev.grafted[0].needed_by == Lines{"/usr/lib/libssl.so.3", "pkg/a/_one.so"});
  CHECK(ev.grafted[1].name == "libssl.so.3");
  CHECK(ev.grafted[1].needed_by == Lines{"pkg/a/_one.so", "pkg/z/_two.so"});

  // Deterministic: evaluating twice gives the same reasons and grafts.
  b.need(one, "libgone.so.1");
  Evaluation a = evaluate(b.graph, real_policies());
  Evaluation c = evaluate(b.graph, real_policies());
  REQUIRE(a.results.size() == c.results.size());
  for (std::size_t i = 0; i < a.results.size(); ++i) CHECK(a.results[i].reasons == c.results[i].reasons);
  CHECK(a.grafted.size() == 2);  // with none ok: the lowest-priority policy's grafts
}

TEST_CASE("the dynamic loader is never grafted, whatever the whitelist says") {
  // libicuuc-like: a grafted library that names ld-linux in DT_NEEDED.
  OneExt w;
  int icu = w.b.external("/usr/lib/x86_64-linux-gnu/libicuuc.so.72");
  int ld = w.b.external("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  w.b.need(w.ext, "libicuuc.so.72", icu);
  w.b.need(icu, "ld-linux-x86-64.so.2", ld);
  w.b.need(icu, "ld64.so.2");  // another arch's loader name, not found: no reason either
  Evaluation ev = evaluate(w.b.graph, real_policies());
  REQUIRE(ev.best != nullptr);
  CHECK(ev.best->name == "manylinux_2_5");
  REQUIRE(ev.grafted.size() == 1);
  CHECK(ev.grafted[0].name == "libicuuc.so.72");
}

TEST_CASE("fpectl and UCS2 builds fail every policy, whatever else they reach") {
  OneExt w;
  w.b[w.ext].fpectl_symbols = {"PyFPE_jbuf"};
  Evaluation ev = evaluate(w.b.graph, real_policies());
  CHECK(ev.best == nullptr);
  CHECK(ev.platform_tag == "linux_x86_64");
  REQUIRE(result_for(ev, "manylinux_2_5"));
  CHECK(described(*result_for(ev, "manylinux_2_5")) ==
        Lines{"pkg/_ext.so references PyFPE_jbuf: it was built for a CPython configured --with-fpectl, which no "
              "manylinux/musllinux policy allows (PEP 513)"});
  OneExt u;
  u.b[u.ext].ucs2_symbols = {"PyUnicodeUCS2_FromString", "PyUnicodeUCS2_AsUTF8String"};
  Evaluation ucs = evaluate(u.b.graph, real_policies());
  CHECK(ucs.best == nullptr);
  CHECK(ucs.results.back().reasons.size() == 1);
  CHECK(ucs.results.back().reasons[0].kind == ReasonKind::ucs2);
  CHECK(ucs.results.back().reasons[0].detail == "1");
}

TEST_CASE("a DT_NEEDED with a slash fails every policy and is never grafted") {
  for (std::string name : {"sub/libevil.so", "/opt/build/libevil.so"}) {
    OneExt w;
    int evil = w.b.external("/opt/build/libevil.so");
    w.b.need(w.ext, name, evil);
    Evaluation ev = evaluate(w.b.graph, real_policies());
    CHECK(ev.best == nullptr);
    CHECK(ev.grafted.empty());
    REQUIRE_FALSE(ev.results.empty());
    REQUIRE(ev.results.back().reasons.size() == 1);
    CHECK(ev.results.back().reasons[0].kind == ReasonKind::needed_path);
    CHECK(ev.results.back().reasons[0].library == name);
  }
}

TEST_CASE("without libc evidence the assumed libc decides the family, and says so") {
  GraphBuilder b;
  b.wheel("pkg/_ext.so", elf::Arch::x86_64, Libc::unknown);
  EvalOptions o;
  o.assumed_libc = Libc::musl;
  Evaluation ev = evaluate(b.graph, real_policies(), o);
  CHECK(ev.libc == Libc::musl);
  CHECK(ev.libc_assumed);
  CHECK(ev.platform_tag == "musllinux_1_2_x86_64");
  Evaluation plain = evaluate(b.graph, real_policies());
  CHECK_FALSE(plain.libc_assumed);
  CHECK(plain.platform_tag == "manylinux1_x86_64.manylinux_2_5_x86_64");
}
