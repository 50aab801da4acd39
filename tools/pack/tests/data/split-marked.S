/* A function marked POST-only (.text.post) that runtime code calls: the split refuses. */
        .section .text16, "ax"
        .long rt_entry

        .section .text.xenbios_post, "ax"
        .globl xenbios_post
        .type xenbios_post, @function
xenbios_post:
        call marked
        ret

        .section .text.post, "ax"
        .type marked, @function
marked:
        ret

        .section .text.rt_entry, "ax"
        .type rt_entry, @function
rt_entry:
        call marked
        ret
