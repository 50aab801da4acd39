/* A firmware in miniature for tests/split.rs: one section per function, as rustc emits. */
        .section .text16, "ax"          /* real mode: a runtime root */
        .code16
        .long rt_entry                  /* the interrupt entry, by address */
        .code32

        .section .loader, "ax"          /* the loader: calls POST, is not a root */
        call xenbios_post
        movl $xenbios_post, %eax

        .section .text.xenbios_post, "ax"
        .globl xenbios_post
        .type xenbios_post, @function
xenbios_post:
        call post_only
        call shared
        movl $callback, %eax            /* address taken: may be stored, so runtime */
        movl $vtable, %eax
        ret

        .section .text.post_only, "ax"
        .type post_only, @function
post_only:
        jmp *.rodata.post_only(,%eax,4) /* through its jump table */
1:      call post_leaf
        ret

        .section .rodata.post_only, "a" /* post_only's jump table: goes with it */
        .long 1b, 1b

        .section .text.post_leaf, "ax"
        .type post_leaf, @function
post_leaf:
        ret

        .section .text.shared, "ax"     /* called by POST and by runtime code */
        .type shared, @function
shared:
        ret

        .section .text.callback, "ax"
        .type callback, @function
callback:
        call cb_helper
        ret

        .section .text.cb_helper, "ax"  /* only a runtime function calls it */
        .type cb_helper, @function
cb_helper:
        ret

        .section .text.method, "ax"
        .type method, @function
method:
        ret

        .section .rodata.vtable, "a"    /* data: runtime, and so is what it points to */
vtable: .long method

        .section .text.rt_entry, "ax"
        .type rt_entry, @function
rt_entry:
        call shared
        ret
