# yf_library.cmake -- one static library per folder, and the boundaries
# between them checked at configure time.
#
# yf_library(TARGET DIR folder [EXCLUDE file.c ...] [USES yf_lib ...] [LINKS ext ...])
#   builds every .c of the folder (repository-relative) into TARGET, which
#   may use the yuanfang libraries named in USES (and what they use) and the
#   outside libraries in LINKS. Project headers are included by their path
#   from the top of the repository ("server/store/store.h"), a folder's own
#   headers by their bare name.
# yf_check_boundaries() (called once, at the end of the top-level file)
#   reads every #include "a/b.h" of every library's folder and of every test
#   registered with yf_test_uses(), and stops the configuration when one names
#   a header of a library its target may not use: the link lines are the
#   module boundaries, and nothing reaches past them, not even a header.
function(yf_library target)
  cmake_parse_arguments(A "" "DIR" "EXCLUDE;USES;LINKS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${A_DIR}/*.c)
  foreach(x IN LISTS A_EXCLUDE)
    list(REMOVE_ITEM srcs ${PROJECT_SOURCE_DIR}/${A_DIR}/${x})
  endforeach()
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${A_USES} ${A_LINKS})
  set_property(GLOBAL APPEND PROPERTY YF_LIBRARIES ${target})
  set_property(GLOBAL PROPERTY YF_DIR_${target} ${A_DIR})
  set_property(GLOBAL PROPERTY YF_USES_${target} ${A_USES})
endfunction()

# The sources of a test (or tool) that links the libraries USES: checked too.
function(yf_test_uses target)
  cmake_parse_arguments(A "" "" "FILES;USES" ${ARGN})
  set_property(GLOBAL APPEND PROPERTY YF_CHECKED ${target})
  set_property(GLOBAL PROPERTY YF_USES_${target} ${A_USES})
  set_property(GLOBAL PROPERTY YF_SOURCES_${target} ${A_FILES})
endfunction()

# The libraries `target` may use: its USES and theirs, itself included.
function(_yf_closure target out)
  set(seen ${target})
  set(queue ${target})
  while(queue)
    list(POP_FRONT queue t)
    get_property(uses GLOBAL PROPERTY YF_USES_${t})
    foreach(u IN LISTS uses)
      if(NOT u IN_LIST seen)
        list(APPEND seen ${u})
        list(APPEND queue ${u})
      endif()
    endforeach()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

# The library whose folder holds header path `h` ("server/store/store.h").
function(_yf_owner h libs out)
  get_filename_component(dir ${h} DIRECTORY)
  set(found "")
  foreach(l IN LISTS libs)
    get_property(d GLOBAL PROPERTY YF_DIR_${l})
    if(d STREQUAL dir)
      set(found ${l})
    endif()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

function(_yf_check_files target files libs)
  _yf_closure(${target} allowed)
  foreach(f IN LISTS files)
    file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]+\"[^\"]+/[^\"]+\"")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE ".*\"([^\"]+)\".*" "\\1" h "${line}")
      _yf_owner(${h} "${libs}" owner)
      if("${owner}" STREQUAL "")
        if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${h} AND NOT h MATCHES "^(tests|build)")
          file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${f})
          message(FATAL_ERROR "${rel}: #include \"${h}\": no such project header")
        endif()
      elseif(NOT owner IN_LIST allowed)
        file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${f})
        message(FATAL_ERROR "${rel} (${target}) includes ${h} of ${owner}, which ${target} may not use: "
                            "add it to ${target}'s USES if the design allows it (docs/architecture.md)")
      endif()
    endforeach()
  endforeach()
endfunction()

function(yf_check_boundaries)
  get_property(libs GLOBAL PROPERTY YF_LIBRARIES)
  foreach(l IN LISTS libs)
    get_property(dir GLOBAL PROPERTY YF_DIR_${l})
    file(GLOB files ${PROJECT_SOURCE_DIR}/${dir}/*.c ${PROJECT_SOURCE_DIR}/${dir}/*.h)
    _yf_check_files(${l} "${files}" "${libs}")
  endforeach()
  get_property(checked GLOBAL PROPERTY YF_CHECKED)
  foreach(t IN LISTS checked)
    get_property(files GLOBAL PROPERTY YF_SOURCES_${t})
    _yf_check_files(${t} "${files}" "${libs}")
  endforeach()
endfunction()
