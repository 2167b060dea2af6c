# Command-line and corpus tests, driven by tests/cli_tests.sh. Labelled
# "corpus" (they read ../shared/corpus and the shipped rules) or "cli".
set(EVX_CLI_TESTS
  rules_test_core
  rules_three_errors
  rules_risky_warnings
  malformed_line
  sentence_cut
  seeds_golden
  seeds_eval
  own_corpus_eval
  dev_written
  dev_wikievents
  dev_rams
  dev_plover
  decode_roundtrip)
foreach(t ${EVX_CLI_TESTS})
  add_test(NAME cli_${t}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_tests.sh ${t}
            $<TARGET_FILE:evextract> ${CMAKE_SOURCE_DIR} ${EVX_SHARED})
  set_tests_properties(cli_${t} PROPERTIES LABELS corpus TIMEOUT 600)
endforeach()
