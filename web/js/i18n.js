// i18n.js -- the string table of the web client and the lookup every screen uses.
// Simplified Chinese first (the petitioners' language), English second (for
// developers and tests). Language: ?lang=, else navigator.languages, else zh-CN.
// Every visible string goes through t(); HTML marks text with data-i18n="key".

const TABLE = {
  'zh-CN': {
    'app.name': '远访',
    'app.tagline': '检察机关远程视频接访',
    'noscript': '请开启浏览器的 JavaScript 后再打开本页面。',

    'index.title': '远访 · 远程视频接访',
    'index.heading': '欢迎使用远程视频接访',
    'index.lead': '您可以在家中通过手机或电脑，与检察官视频见面、反映情况。',
    'index.before': '见面之前，请先花一分钟检查摄像头、麦克风和网络。',
    'index.devtest': '检查摄像头、麦克风和网络',
    'index.tips': '小提示',
    'index.tip1': '请找一个安静、光线明亮的地方。',
    'index.tip2': '建议连接无线网络（Wi-Fi）；用手机流量也可以。',
    'index.tip3': '手机请保持电量充足，竖着拿好或放稳。',
    'index.tip4': '浏览器询问能否使用摄像头和麦克风时，请点“允许”。',

    'devtest.title': '设备检测 · 远访',
    'devtest.heading': '设备检测',
    'devtest.intro': '检查您的摄像头、麦克风和网络是否能正常视频见面。请点下面的按钮开始，浏览器询问时请点“允许”。',
    'devtest.start': '开始检测',
    'devtest.retry': '重新检测',
    'devtest.leave': '离开',
    'devtest.home': '返回首页',
    'devtest.remoteCaption': '经服务器传回的画面',
    'devtest.localCaption': '本机摄像头',
    'devtest.micLabel': '请说几句话，看绿条是否跳动：',
    'devtest.result': '检测结果',
    'devtest.camera': '摄像头',
    'devtest.microphone': '麦克风',
    'devtest.network': '网络',
    'devtest.details': '技术信息',
    'devtest.pcState': '浏览器连接',
    'devtest.serverState': '服务器连接',
    'devtest.cipher': '加密方式',
    'devtest.rtt': '往返时延',
    'devtest.loss': '丢包率',
    'devtest.ms': '{n} 毫秒',
    'devtest.left': '您已离开设备检测。需要时可以重新检测。',

    'status.idle': '准备好后，请点“开始检测”。',
    'status.devices': '正在打开摄像头和麦克风……',
    'status.connecting': '正在连接服务器……',
    'status.measuring': '已连接，正在检测，请稍候……',
    'status.done': '检测完成。',
    'status.doneOk': '检测完成：一切正常，可以参加视频见面。',
    'status.doneBad': '检测完成：有问题需要处理，请看下面的说明。',
    'status.failed': '检测没有完成，请看下面的说明。',
    'status.left': '已离开。',

    'state.new': '未连接',
    'state.connecting': '正在连接',
    'state.connected': '已连接',
    'state.disconnected': '连接中断',
    'state.failed': '连接失败',
    'state.closed': '已关闭',
    'state.unknown': '—',

    'verdict.pending': '检测中……',
    'verdict.ok': '正常',
    'verdict.untested': '未能检测：请先解决摄像头或麦克风的问题。',
    'cam.denied': '权限被拒绝：浏览器不允许使用摄像头。请点地址栏左边的锁形图标，把“摄像头”设为“允许”，再点“重新检测”。如果是在微信里打开的，请点右上角“…”，选“在浏览器中打开”。',
    'cam.missing': '未检测到摄像头。请确认设备带有摄像头；外接摄像头请插好后点“重新检测”。',
    'cam.busy': '摄像头正被其他程序占用（例如微信视频或其他通话）。请关闭其他程序后点“重新检测”。',
    'cam.insecure': '本页面不是安全链接（https），浏览器不允许使用摄像头。请使用邀请中的链接打开。',
    'cam.error': '摄像头无法打开。请重新启动浏览器后再试。',
    'mic.denied': '权限被拒绝：浏览器不允许使用麦克风。请点地址栏左边的锁形图标，把“麦克风”设为“允许”，再点“重新检测”。',
    'mic.missing': '未检测到麦克风。电脑请插好耳机或麦克风后点“重新检测”。',
    'mic.busy': '麦克风正被其他程序占用（例如正在通话）。请关闭其他程序后点“重新检测”。',
    'mic.insecure': '本页面不是安全链接（https），浏览器不允许使用麦克风。请使用邀请中的链接打开。',
    'mic.error': '麦克风无法打开。请重新启动浏览器后再试。',
    'mic.silent': '没有听到声音。请检查麦克风是否被静音，然后对着手机说几句话。',
    'net.unreachable': '无法连接服务器。请检查手机或电脑是否已联网，然后点“重新检测”。',
    'net.blocked': '网络不通：视频数据无法到达服务器。请换一个网络（例如从无线网络换成手机流量）后点“重新检测”。',
    'net.weak': '网络较弱：画面和声音可能会卡顿。请靠近无线路由器，或换到信号更好的地方。',
    'net.unsupported': '这个浏览器不支持视频通话。请使用最新版的 Chrome、Edge、Safari 或手机自带浏览器。',
    'net.shutdown': '服务器正在维护，请稍后再试。',
    'net.lost': '与服务器的连接断开了。请点“重新检测”。',

    'role.prosecutor': '承办检察官',
    'role.clerk': '书记员',
    'role.petitioner': '信访人',
    'role.hearing_officer': '听证员',
    'role.lawyer': '律师',
    'role.interpreter': '翻译',
    'role.observer': '旁听',

    'notice.title': '录音录像提示',
    'notice.text': '本次接访全程录音录像',
    'notice.detail': '录音录像将作为接访记录存入案件档案。继续即表示您已知悉。',
    'notice.continue': '我已知悉，继续',
    'notice.cancel': '不参加',

    'join.title': '进入视频接访 · 远访',
    'join.heading': '进入视频接访',
    'join.loading': '正在核对您的邀请……',
    'join.bad': '邀请链接无效或已过期，请联系检察院重新发送。',
    'join.noToken': '链接不完整，请从短信或通知里的链接重新打开。',
    'join.declined': '您选择了不参加。如需参加，请重新打开邀请链接。',
    'join.hearingEnded': '本次接访已经结束，无需再进入。如有疑问，请拨打通知上的检察院电话。',
    'join.cancelled': '本次预约已经取消，无需进入。检察院会另行通知您新的时间。',
    'join.caseClosed': '您的案件已经办结，本邀请不再使用。如有疑问，请拨打通知上的检察院电话。',
    'join.devtest': '先检查摄像头和麦克风',

    'room.title': '视频接访 · 远访',
    'room.recording': '● 全程录音录像',
    'room.connecting': '正在进入……',
    'room.waiting': '请稍候，检察官将很快请您进入',
    'room.waitingDetail': '请不要关闭本页面。进入后您将看到检察官的画面。',
    'room.reconnecting': '网络中断，正在重新连接……',
    'room.left': '您已离开本次接访。',
    'room.hearingEnded': '本次接访已经结束，录音录像已停止。您可以关闭本页面。',
    'room.removed': '您已被请出本次接访。',
    'room.replaced': '您已在另一个页面进入本次接访，本页面已停止。',
    'room.ended': '连接已断开。',
    'room.badToken': '进入链接无效，请联系检察院。',
    'room.notStarted': '检察官还没有开始本次接访。请不要关闭本页面，开始后会自动进入。',
    'room.forbidden': '您现在不能进入本次接访：可能已被主持人请出，或邀请已撤回。如有疑问，请联系检察院。',
    'room.expired': '进入链接已过期，请联系检察院重新发送。',
    'room.noToken': '链接不完整，请从邀请里的链接重新打开。',
    'room.noDevices': '无法打开摄像头或麦克风，请在浏览器设置里允许后刷新页面。',
    'room.hostMuted': '检察官已将您的麦克风静音。',
    'room.hostMutedVideo': '检察官已关闭您的画面。',
    'room.hostUnmuted': '检察官已取消对您的静音。',
    'room.waitingList': '等候进入',
    'room.waitingEmpty': '暂无人等候',
    'room.admit': '准许进入',
    'room.mute': '静音',
    'room.unmute': '取消静音',
    'room.remove': '移出',
    'room.micOff': '关闭麦克风',
    'room.micOn': '打开麦克风',
    'room.camOff': '关闭摄像头',
    'room.camOn': '打开摄像头',
    'room.leave': '离开',
    'room.leaveConfirm': '确定要离开本次接访吗？',
    'room.removeConfirm': '确定要将 {name} 移出吗？',
    'room.me': '（我）',
    'room.muted': '已静音',
    'room.videoOff': '画面已关闭',
    'room.participantReconnecting': '网络重连中',
    'room.speaking': '正在发言',
  },
  en: {
    'app.name': 'Yuanfang',
    'app.tagline': 'Remote video reception of the procuratorate',
    'noscript': 'Please enable JavaScript in your browser and open this page again.',

    'index.title': 'Yuanfang · Remote video reception',
    'index.heading': 'Welcome to remote video reception',
    'index.lead': 'Meet a prosecutor by video from home, on your phone or computer.',
    'index.before': 'Before the meeting, please take a minute to check your camera, microphone and network.',
    'index.devtest': 'Check camera, microphone and network',
    'index.tips': 'Tips',
    'index.tip1': 'Find a quiet, well-lit place.',
    'index.tip2': 'Wi-Fi is best; mobile data also works.',
    'index.tip3': 'Keep your phone charged and hold it steady.',
    'index.tip4': 'When the browser asks to use the camera and microphone, tap "Allow".',

    'devtest.title': 'Device test · Yuanfang',
    'devtest.heading': 'Device test',
    'devtest.intro': 'Checks that your camera, microphone and network work for a video meeting. Tap the button below to start and tap "Allow" when the browser asks.',
    'devtest.start': 'Start test',
    'devtest.retry': 'Test again',
    'devtest.leave': 'Leave',
    'devtest.home': 'Home',
    'devtest.remoteCaption': 'Video as returned by the server',
    'devtest.localCaption': 'This camera',
    'devtest.micLabel': 'Say a few words and watch the green bar:',
    'devtest.result': 'Result',
    'devtest.camera': 'Camera',
    'devtest.microphone': 'Microphone',
    'devtest.network': 'Network',
    'devtest.details': 'Technical details',
    'devtest.pcState': 'Browser connection',
    'devtest.serverState': 'Server connection',
    'devtest.cipher': 'Encryption',
    'devtest.rtt': 'Round-trip time',
    'devtest.loss': 'Packet loss',
    'devtest.ms': '{n} ms',
    'devtest.left': 'You have left the device test. You can test again at any time.',

    'status.idle': 'When you are ready, tap "Start test".',
    'status.devices': 'Opening camera and microphone…',
    'status.connecting': 'Connecting to the server…',
    'status.measuring': 'Connected, testing, please wait…',
    'status.done': 'Test finished.',
    'status.doneOk': 'Test finished: everything works, you can join the video meeting.',
    'status.doneBad': 'Test finished: something needs fixing, see below.',
    'status.failed': 'The test could not finish, see below.',
    'status.left': 'Left.',

    'state.new': 'Not connected',
    'state.connecting': 'Connecting',
    'state.connected': 'Connected',
    'state.disconnected': 'Interrupted',
    'state.failed': 'Failed',
    'state.closed': 'Closed',
    'state.unknown': '—',

    'verdict.pending': 'Testing…',
    'verdict.ok': 'OK',
    'verdict.untested': 'Not tested: fix the camera or microphone first.',
    'cam.denied': 'Permission denied: the browser may not use the camera. Tap the lock icon left of the address, set "Camera" to "Allow", then tap "Test again". In WeChat, tap "…" at the top right and choose "Open in browser".',
    'cam.missing': 'No camera found. Make sure the device has a camera; plug in an external one, then tap "Test again".',
    'cam.busy': 'The camera is in use by another program (a WeChat video or another call). Close it, then tap "Test again".',
    'cam.insecure': 'This page is not a secure (https) link, so the browser blocks the camera. Open the link from your invitation.',
    'cam.error': 'The camera could not be opened. Restart the browser and try again.',
    'mic.denied': 'Permission denied: the browser may not use the microphone. Tap the lock icon left of the address, set "Microphone" to "Allow", then tap "Test again".',
    'mic.missing': 'No microphone found. On a computer, plug in a headset or microphone, then tap "Test again".',
    'mic.busy': 'The microphone is in use by another program (a call, for example). Close it, then tap "Test again".',
    'mic.insecure': 'This page is not a secure (https) link, so the browser blocks the microphone. Open the link from your invitation.',
    'mic.error': 'The microphone could not be opened. Restart the browser and try again.',
    'mic.silent': 'No sound heard. Check that the microphone is not muted and say a few words.',
    'net.unreachable': 'Cannot reach the server. Check that your device is online, then tap "Test again".',
    'net.blocked': 'Network blocked: video cannot reach the server. Try another network (e.g. mobile data instead of Wi-Fi), then tap "Test again".',
    'net.weak': 'Weak network: picture and sound may stutter. Move closer to the Wi-Fi router or to a place with better signal.',
    'net.unsupported': 'This browser cannot make video calls. Please use a recent Chrome, Edge, Safari or the phone\'s own browser.',
    'net.shutdown': 'The server is under maintenance. Please try again later.',
    'net.lost': 'The connection to the server was lost. Tap "Test again".',

    'role.prosecutor': 'Prosecutor',
    'role.clerk': 'Clerk',
    'role.petitioner': 'Petitioner',
    'role.hearing_officer': 'Hearing officer',
    'role.lawyer': 'Lawyer',
    'role.interpreter': 'Interpreter',
    'role.observer': 'Observer',

    'notice.title': 'Recording notice',
    'notice.text': 'This hearing is recorded in full (audio and video)',
    'notice.detail': 'The recording goes into the case file. By continuing you acknowledge this.',
    'notice.continue': 'I understand, continue',
    'notice.cancel': 'Do not join',

    'join.title': 'Join the hearing · yuanfang',
    'join.heading': 'Join the video hearing',
    'join.loading': 'Checking your invitation…',
    'join.bad': 'The invitation link is invalid or has expired. Please ask for a new one.',
    'join.noToken': 'The link is incomplete. Please open the link from your invitation again.',
    'join.declined': 'You chose not to join. Open the invitation link again to join.',
    'join.hearingEnded': 'This hearing has ended; there is nothing more to join. If you have questions, call the number on your notice.',
    'join.cancelled': 'This appointment was cancelled; there is nothing to join. The office will tell you the new time.',
    'join.caseClosed': 'Your case has been closed and this invitation is no longer used. If you have questions, call the number on your notice.',
    'join.devtest': 'Test camera and microphone first',

    'room.title': 'Video hearing · yuanfang',
    'room.recording': '● Recording',
    'room.connecting': 'Joining…',
    'room.waiting': 'Please wait, the prosecutor will let you in shortly',
    'room.waitingDetail': 'Keep this page open. You will see the prosecutor once admitted.',
    'room.reconnecting': 'Connection lost, reconnecting…',
    'room.left': 'You have left the hearing.',
    'room.hearingEnded': 'The hearing has ended and the recording has stopped. You may close this page.',
    'room.removed': 'You were removed from the hearing.',
    'room.replaced': 'You joined from another page; this page has stopped.',
    'room.ended': 'Disconnected.',
    'room.badToken': 'The join link is invalid. Please contact the procuratorate.',
    'room.notStarted': 'The prosecutor has not started the hearing yet. Keep this page open; it enters by itself once started.',
    'room.forbidden': 'You cannot enter this hearing now: the host may have removed you, or the invitation was withdrawn. Please contact the procuratorate.',
    'room.expired': 'The join link has expired. Please ask for a new one.',
    'room.noToken': 'The link is incomplete. Please open the link from your invitation again.',
    'room.noDevices': 'Cannot open the camera or microphone. Allow them in the browser settings and reload.',
    'room.hostMuted': 'The prosecutor muted your microphone.',
    'room.hostMutedVideo': 'The prosecutor turned off your video.',
    'room.hostUnmuted': 'The prosecutor unmuted you.',
    'room.waitingList': 'Waiting room',
    'room.waitingEmpty': 'Nobody is waiting',
    'room.admit': 'Admit',
    'room.mute': 'Mute',
    'room.unmute': 'Unmute',
    'room.remove': 'Remove',
    'room.micOff': 'Mute microphone',
    'room.micOn': 'Unmute microphone',
    'room.camOff': 'Turn camera off',
    'room.camOn': 'Turn camera on',
    'room.leave': 'Leave',
    'room.leaveConfirm': 'Leave the hearing?',
    'room.removeConfirm': 'Remove {name}?',
    'room.me': ' (me)',
    'room.muted': 'Muted',
    'room.videoOff': 'Video off',
    'room.participantReconnecting': 'Reconnecting',
    'room.speaking': 'Speaking',
  },
};

function pickLang() {
  const asked = new URLSearchParams(location.search).get('lang');
  const wanted = asked ? [asked] : (navigator.languages || [navigator.language || '']);
  for (const l of wanted) {
    const low = String(l).toLowerCase();
    if (low.startsWith('zh')) return 'zh-CN';
    if (low.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

export const lang = pickLang();

/** The text for key in the page's language, with {name} replaced from vars. */
export function t(key, vars) {
  let s = TABLE[lang][key] ?? TABLE['zh-CN'][key];
  if (s === undefined) {
    console.warn('i18n: missing key', key);
    return key;
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** Fills every [data-i18n] element under root and sets <html lang>. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

/** href with the current ?lang= carried over, so a chosen language sticks. */
export function withLang(href) {
  const asked = new URLSearchParams(location.search).get('lang');
  if (!asked) return href;
  const u = new URL(href, location.href);
  u.searchParams.set('lang', asked);
  return u.pathname + u.search;
}
