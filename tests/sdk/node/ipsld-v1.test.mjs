// ali-oss: IP endpoint together with sldEnable: true (path-style URL, Host rewritten to <bucket>.oss-cn-hangzhou.aliyuncs.com), V1 signatures.
import { defineSuite } from './suite.mjs';

defineSuite({ name: 'ipsld-v1', addressing: 'ipsld', auth: 'v1', sts: false });
