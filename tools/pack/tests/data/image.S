/* A linked image in miniature for tests/image.rs. --defsym BAD=n adds one violation. */
        .ifndef BAD
        .set BAD, 0
        .endif

        .section .loader, "ax"
        .globl loader
loader: movl $post_start, %edi          /* region symbols: fine */
        movl $image_start, %esi
        call xenbios_post               /* the POST entry: fine */
        .if BAD == 3
        call rt                         /* the loader into compressed code */
        .endif
        ret

        .section .text.xenbios_post, "ax"
        .globl xenbios_post
        .type xenbios_post, @function
xenbios_post:
        call post_fn
        call rt                         /* POST may call runtime code */
        .if BAD == 2
        movl $post_fn, %eax             /* POST takes the address of POST code */
        .endif
        ret

        .section .text.post_fn, "ax"
        .type post_fn, @function
post_fn:
        jmp *.rodata.post_fn(,%eax,4)
1:      ret
        .section .rodata.post_fn, "a"   /* a jump table into POST code: fine */
        .long 1b

        .section .text.rt, "ax"
        .type rt, @function
rt:     movl $table, %eax
        .if BAD == 1
        call post_fn                    /* runtime into POST */
        .endif
        ret

        .section .rodata.table, "a"
table:  .ascii "runtime data, runtime data, runtime data, runtime data"
