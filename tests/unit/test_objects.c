/* test_objects.c: the object machinery below the instructions, each rule checked
 * directly: the shape transition tree (vm/object.h), class versions and their renewal
 * on mutation (subclasses included), the heap's release order and finalizer queue
 * (vm/heap.h, docs/semantics.md sections 17.3 and 23.8), and the class watcher that
 * invalidates traces (docs/tier2.md, "Invalidation"), in the uop interpreter and in
 * compiled code. */
#include <string.h>

#include "asm.h"
#include "check.h"
#include "heap.h"
#include "jit.h"
#include "object.h"
#include "semantics.h"
#include "trace.h"
#include "vm.h"

/* ---- The shape tree ---- */

static void test_shapes(void) {
  ShapeTable t;
  shapes_init(&t);
  enum { A = 10, B = 11, C = 12 };
  uint32_t a = shape_add(&t, SHAPE_ROOT, A);
  uint32_t ab = shape_add(&t, a, B);
  uint32_t b = shape_add(&t, SHAPE_ROOT, B);
  uint32_t ba = shape_add(&t, b, A);
  CHECK(a != ab && a != b && ab != ba);
  CHECK_MSG(shape_add(&t, SHAPE_ROOT, A) == a, "the same names in the same order share one node");
  CHECK(shape_add(&t, a, B) == ab);
  CHECK(shape_child(&t, a, B) == ab);
  CHECK(shape_child(&t, ab, C) == SHAPE_NONE);
  CHECK(shape_slot(&t, ab, A) == 0 && shape_slot(&t, ab, B) == 1 && shape_slot(&t, ab, C) == -1);
  CHECK(shape_slot(&t, ba, A) == 1 && shape_slot(&t, ba, B) == 0);
  CHECK(shape_slot(&t, SHAPE_ROOT, A) == -1);
  CHECK(shape_name_at(&t, ba, 0) == B && shape_name_at(&t, ba, 1) == A);
  uint32_t abc = shape_add(&t, ab, C);
  /* Deleting rebuilds the remaining names in order from the root: {a, b, c} without b
     is the node of {a, c}, and without a it is {b, c}, not {c, b}. */
  uint32_t ac = shape_without(&t, abc, 1);
  CHECK(ac == shape_child(&t, a, C) && shape_slot(&t, ac, C) == 1);
  uint32_t bc = shape_without(&t, abc, 0);
  CHECK(shape_name_at(&t, bc, 0) == B && shape_name_at(&t, bc, 1) == C);
  CHECK(shape_without(&t, a, 0) == SHAPE_ROOT);
  CHECK_MSG(shape_without(&t, abc, 2) == ab, "deleting the last name goes back to the parent");
  shapes_free(&t);
}

/* ---- Class versions ---- */

/* A module whose constants name the attributes these tests use. */
static const char names_src[] =
    ".func main\n"
    "    push_const \"k\"\n    pop\n    push_const \"op_del\"\n    pop\n"
    "    push_nil\n    return\n.end\n";

static uint32_t name_of(const Module *m, const char *text) {
  Constant k = {CONST_STRING, 0, 0, (char *)text, (uint32_t)strlen(text)};
  return (uint32_t)module_find_const(m, &k);
}

static void test_class_versions(void) {
  Module m;
  if (!check_assemble(names_src, &m)) return;
  VM vm;
  vm_init(&vm, &m, limits_default());
  uint32_t k = name_of(&m, "k");
  Value base, sub, other;
  CHECK(sem_new_class(&vm, val_nil(), k, &base) == ERR_NONE);
  CHECK(sem_new_class(&vm, base, k, &sub) == ERR_NONE);
  CHECK(sem_new_class(&vm, val_nil(), k, &other) == ERR_NONE);
  uint32_t vb = as_class(base)->version, vs = as_class(sub)->version, vo = as_class(other)->version;
  CHECK_MSG(vb && vs && vo && vb != vs && vs != vo && vb != vo, "versions are unique and never 0 at first");
  CHECK(sem_store_attr(&vm, base, k, val_int(1)) == ERR_NONE);
  uint32_t vb2 = as_class(base)->version, vs2 = as_class(sub)->version;
  CHECK_MSG(vb2 != vb && vs2 != vs, "a mutation renews the class's version and its subclasses'");
  CHECK_MSG(as_class(other)->version == vo, "an unrelated class keeps its version");
  CHECK(vb2 != vo && vs2 != vo && vb2 != vs2);
  CHECK(sem_store_attr(&vm, sub, k, val_int(2)) == ERR_NONE);
  CHECK_MSG(as_class(base)->version == vb2 && as_class(sub)->version != vs2,
            "a subclass's mutation leaves its base's version alone");
  Value got;
  CHECK(sem_load_attr(&vm, sub, k, &got) == ERR_NONE && got.as.i == 2);
  CHECK(sem_del_attr(&vm, sub, k) == ERR_NONE);
  CHECK(sem_load_attr(&vm, sub, k, &got) == ERR_NONE && got.as.i == 1);
  /* The counter spent: classes get version 0, which caches refuse. */
  vm.next_class_version = 0;
  CHECK(sem_store_attr(&vm, base, k, val_int(3)) == ERR_NONE);
  CHECK(as_class(base)->version == 0 && as_class(sub)->version == 0);
  val_decref(&vm.heap, sub);
  val_decref(&vm.heap, base);
  val_decref(&vm.heap, other);
  vm_teardown(&vm);
  module_free(&m);
}

/* ---- Release order and the finalizer queue ---- */

static void test_finalizer_queue(void) {
  Module m;
  if (!check_assemble(names_src, &m)) return;
  VM vm;
  vm_init(&vm, &m, limits_default());
  Heap *h = &vm.heap;
  uint32_t del = name_of(&m, "op_del");
  CHECK(h->finalizer_name == del);
  Value plain, fin;
  CHECK(sem_new_class(&vm, val_nil(), del, &plain) == ERR_NONE);
  CHECK(sem_new_class(&vm, val_nil(), del, &fin) == ERR_NONE);
  CHECK(sem_store_attr(&vm, fin, del, val_int(0)) == ERR_NONE);  /* any value makes it finalizable */
  uint64_t objects = h->live_objects;

  /* An instance without op_del goes at once. */
  ObjInstance *p = heap_new_instance(h, as_class(plain));
  val_decref(h, val_obj(&p->obj));
  CHECK(h->live_objects == objects && !heap_has_waiting(h));

  /* An array of [i1, [i2], i3]: released breadth first, i1 then i3 wait before i2. */
  ObjInstance *i1 = heap_new_instance(h, as_class(fin)), *i2 = heap_new_instance(h, as_class(fin)),
              *i3 = heap_new_instance(h, as_class(fin));
  ObjArray *inner = heap_new_array(h, 1), *outer = heap_new_array(h, 3);
  heap_array_push(h, inner, val_obj(&i2->obj));
  heap_array_push(h, outer, val_obj(&i1->obj));
  heap_array_push(h, outer, val_obj(&inner->obj));
  heap_array_push(h, outer, val_obj(&i3->obj));
  val_decref(h, val_obj(&outer->obj));
  CHECK_MSG(h->live_objects == objects + 3, "the arrays are freed, the three instances wait");
  ObjInstance *order[3];
  for (int i = 0; i < 3; i++) {
    CHECK(heap_has_waiting(h));
    order[i] = heap_has_waiting(h) ? heap_take_waiting(h) : NULL;
  }
  CHECK(!heap_has_waiting(h));
  CHECK_MSG(order[0] == i1 && order[1] == i3 && order[2] == i2, "the queue holds them in release order");
  for (int i = 0; i < 3; i++) {
    if (!order[i]) continue;
    CHECK(order[i]->waited && order[i]->obj.refcount == 1);
  }
  /* Resurrected, then released again: an instance waits once. */
  if (order[0]) {
    val_incref(val_obj(&order[0]->obj));
    val_decref(h, val_obj(&order[0]->obj));
    CHECK(order[0]->obj.refcount == 1);
  }
  for (int i = 0; i < 3; i++)
    if (order[i]) val_decref(h, val_obj(&order[i]->obj));
  CHECK_MSG(!heap_has_waiting(h) && h->live_objects == objects, "having waited, they are freed");

  /* At the end of a run, what waits is released, and so is what that releases. */
  ObjInstance *outer_i = heap_new_instance(h, as_class(fin)), *held = heap_new_instance(h, as_class(fin));
  CHECK(sem_store_attr(&vm, val_obj(&outer_i->obj), del, val_obj(&held->obj)) == ERR_NONE);
  val_decref(h, val_obj(&held->obj));  /* outer_i holds the only reference */
  val_decref(h, val_obj(&outer_i->obj));
  CHECK(heap_has_waiting(h));
  heap_release_waiting(h);
  CHECK_MSG(!heap_has_waiting(h) && h->live_objects == objects, "%llu live, %llu before",
            (unsigned long long)h->live_objects, (unsigned long long)objects);

  val_decref(h, plain);
  val_decref(h, fin);
  vm_teardown(&vm);
  module_free(&m);
}

/* ---- The class watcher ---- */

/* A hot loop reads o.k through P's version; at i = 30 it stores P.k. */
static const char watched_src[] =
    ".func main locals=4\n"
    "    push_nil\n    class P\n    store_local 3\n"
    "    push_int 1\n    load_local 3\n    store_attr k\n"
    "    load_local 3\n    call 0\n    store_local 1\n"
    "    push_int 0\n    store_local 2\n    push_int 0\n    store_local 0\n"
    "top:\n    load_local 0\n    push_int 100\n    lt\n    jump_if_false done\n"
    "    load_local 0\n    push_int 30\n    ne\n    jump_if_true same\n"
    "    push_int 2\n    load_local 3\n    store_attr k\n"
    "same:\n    load_local 2\n    load_local 1\n    load_attr k\n    add\n    store_local 2\n"
    "    load_local 0\n    push_int 1\n    add\n    store_local 0\n    loop top\n"
    "done:\n    load_local 2\n    return\n.end\n";

static void test_class_watcher(void) {
  Module m;
  if (!check_assemble(watched_src, &m)) return;
  JitHooks hooks = jit_hooks(NULL);
  Tier tiers[] = {TIER_T2, TIER_T2_NOOPT, TIER_JIT};
  for (size_t i = 0; i < ARRAY_LEN(tiers); i++) {
    T2Stats st;
    memset(&st, 0, sizeof st);
    RunOptions o = run_options_default(tiers[i]);
    o.t2_stats = &st;
    o.jit = &hooks;
    Observation obs;
    vm_run_module(&m, &o, &obs);
    CHECK_STR(obs.result, "170");
    CHECK_MSG(st.watcher_invalidations == 1, "tier %s: %llu executors invalidated by the watcher", tier_name[tiers[i]],
              (unsigned long long)st.watcher_invalidations);
    CHECK_MSG(st.built == 2, "tier %s: the loop is projected again after the invalidation (%llu built)",
              tier_name[tiers[i]], (unsigned long long)st.built);
    observation_free(&obs);
  }
  module_free(&m);
}

int main(void) {
  test_shapes();
  test_class_versions();
  test_finalizer_queue();
  test_class_watcher();
  return check_summary("test_objects");
}
