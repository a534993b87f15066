// ali-oss: IP endpoint together with sldEnable: true (path-style URL, Host rewritten to <bucket>.oss-cn-hangzhou.aliyuncs.com), authorizationV4: true.
import { defineSuite } from './suite.mjs';

defineSuite({ name: 'ipsld-v4', addressing: 'ipsld', auth: 'v4', sts: false });
