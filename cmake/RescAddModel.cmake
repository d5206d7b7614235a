# resc_add_model(<target> <model.res>
#                [MODEL <name>] [DEFINES <name=value>...] [TARGET_CPU <cpu>])
#
# Compiles <model.res> with resc when <target> is built and links the result
# into <target>:
#   - lib<stem>.so, the compiled model (linked directly; found at run time
#     through the build RPATH, or install it next to your program),
#   - <stem>.h, its generated C header (on <target>'s include path),
#   - resc::resc_runtime, for parameters, safetensors and .npy.
# The model is recompiled whenever <model.res> or resc changes.
function(resc_add_model target source)
  cmake_parse_arguments(ARG "" "MODEL;TARGET_CPU" "DEFINES" ${ARGN})
  get_filename_component(src "${source}" ABSOLUTE)
  get_filename_component(stem "${source}" NAME_WE)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/resc_models/${target}")
  set(lib "${out}/lib${stem}.so")
  set(header "${out}/${stem}.h")
  set(flags)
  foreach(def IN LISTS ARG_DEFINES)
    list(APPEND flags "-D" "${def}")
  endforeach()
  if(ARG_MODEL)
    list(APPEND flags "--model" "${ARG_MODEL}")
  endif()
  if(ARG_TARGET_CPU)
    list(APPEND flags "--target-cpu=${ARG_TARGET_CPU}")
  endif()
  add_custom_command(
    OUTPUT "${lib}" "${header}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${out}"
    COMMAND resc::resc "${src}" -o "${lib}" ${flags}
    COMMAND resc::resc "${src}" --emit=header -o "${header}" ${flags}
    DEPENDS "${src}" resc::resc
    COMMENT "resc: compiling ${source}"
    VERBATIM)
  add_custom_target(${target}_resc_model DEPENDS "${lib}" "${header}")
  add_dependencies(${target} ${target}_resc_model)
  target_include_directories(${target} PRIVATE "${out}")
  target_link_libraries(${target} PRIVATE "${lib}" resc::resc_runtime)
  set_property(TARGET ${target} APPEND PROPERTY BUILD_RPATH "${out}")
endfunction()
