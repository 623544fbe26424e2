// <advlab-demo> 위젯과 ("lab." 아래) 실험 페이지의 한국어 문자열. {name}은 실행 중에 채워지는
// 값입니다.
// 키는 web/i18n/en.js와 같아야 합니다 (tests/browser/embed-strings.test.mjs).
export default {
  langName: '한국어',
  widget: 'advlab 데모: 적대적 예제',
  loading: '엔진과 모델을 불러오는 중…',
  ready: '준비되었습니다.',
  error: '문제가 발생했습니다: {message}',
  needsWasm: '이 브라우저는 WebAssembly가 꺼져 있는데, 실험실의 엔진은 WebAssembly로 돌아갑니다. ' +
    '다른 브라우저로 이 페이지를 열거나, 이 사이트에 WebAssembly를 허용하세요(iPhone이나 iPad의 ' +
    '차단 모드라면: 설정, 개인정보 보호 및 보안, 차단 모드, 웹 브라우징 구성).',
  needsWorker: '이 브라우저는 Web Worker를 실행할 수 없는데, 실험실의 엔진은 워커에서 돌아갑니다. ' +
    '다른 브라우저로 이 페이지를 열거나, 브라우저 관리자에게 워커를 허용해 달라고 요청하세요.',
  needsModuleWorker: '이 브라우저는 실험실을 쓰기에 너무 오래되었습니다. 엔진이 모듈 워커에서 ' +
    '돌아갑니다(Firefox 114, Safari 15, Chrome 80 이상). 브라우저를 업데이트하거나 다른 ' +
    '브라우저를 여세요.',
  needsDecompression: '이 브라우저는 실험실을 쓰기에 너무 오래되었습니다. MNIST 숫자의 압축을 풀 수 ' +
    '없습니다(DecompressionStream: Firefox 113, Safari 16.4, Chrome 80 이상). 브라우저를 ' +
    '업데이트하거나 다른 브라우저를 여세요.',
  attack: '공격',
  attack_fgsm: 'FGSM (1단계)',
  attack_bim: 'BIM (20단계)',
  attack_pgd: 'PGD (20단계, 무작위 시작)',
  attack_deepfool: 'DeepFool (최소 교란)',
  attack_newtonfool: 'NewtonFool (최소 교란)',
  attack_cw: 'Carlini-Wagner L2 (최소 교란)',
  eps: '교란 크기 ε',
  epsMinimal: '최소',
  defence: '모델 앞의 방어: {name}, {how}.',
  defence_squeeze: '특징 압축 (1비트)',
  defence_median: '중앙값 필터 (2×2)',
  defence_jpeg: 'JPEG 압축 (품질 50)',
  adaptiveOn: '공격은 BPDA로 방어를 통과합니다',
  adaptiveOff: '공격은 방어가 없는 모델에서 만듭니다',
  pad: '그림판: 마우스, 펜 또는 손가락으로 숫자를 그리세요',
  clear: '지우기',
  undo: '되돌리기',
  testDigit: 'MNIST 테스트 이미지',
  previous: '이전 이미지',
  next: '다음 이미지',
  random: '무작위 이미지',
  digitNote: 'MNIST 테스트 이미지 {index}번, 정답 {label}.',
  drawn: '직접 그린 숫자.',
  model_standard: '표준 모델',
  model_fgsm: '적대적 훈련 모델 (FGSM)',
  model_pgd: '적대적 훈련 모델 (PGD, Madry)',
  model_poisoned: '오염된 모델 (훈련 데이터에 백도어)',
  model_ibp: '인증 모델 (IBP 훈련)',
  model_trained: '여기서 훈련한 모델: {from} + FGSM ε {eps}',
  short_standard: '표준',
  short_fgsm: 'FGSM 훈련',
  short_pgd: 'PGD 훈련',
  short_poisoned: '오염됨',
  short_ibp: 'IBP 훈련',
  trigger: '백도어 트리거 넣기 (ART의 패턴, 오른쪽 아래)',
  triggerNote: '오염된 모델은 열 개 중 하나꼴로 이 트리거와 다음 클래스의 레이블이 붙은 훈련 ' +
    '숫자로 배웠습니다. 깨끗한 숫자에서는 표준 모델만큼 정확하고, 트리거가 있으면 다음 클래스로 ' +
    '답합니다.',
  short_trained: '여기서 훈련',
  input: '입력',
  clean: '원본',
  adversarial: '적대적 예제',
  perturbation: '교란',
  verdict: '원본 이미지: {clean}. 공격 후: {adv}.',
  fooled: '속았음',
  holds: '버텼음',
  announce: '{model}: 원본 이미지는 {clean}, 공격 후에는 {adv} ({outcome}).',
  bars: '숫자별 확률, {model}',
  barsKey: '막대: 파란색은 원본 이미지, 주황색은 적대적 예제.',
  heatmapKey: '교란: 빨간색은 공격이 잉크를 더한 곳, 파란색은 지운 곳이며 확대해서 보여 줍니다.',
  norms: 'L∞ {linf} · L2 {l2} · 바뀐 픽셀 {l0}개',
  curveTitle: 'FGSM 공격의 ε에 따른 정확도 (테스트 이미지 {n}장)',
  curveAxis: 'ε (FGSM 교란 크기)',
  curveComputing: '테스트 이미지를 공격하는 중… {percent}',
  curveAt: 'ε {eps}에서: {values}.',
  curveNoPoint: 'ε {eps}: 측정한 지점이 아닙니다 (측정한 지점: {points}).',
  stealTitle: '이 모델 훔치기',
  stealHint: '도둑이 레이블 없는 MNIST 숫자를 보내 이 모델의 답을 레이블로 삼아 복제 모델을 ' +
    '훈련합니다(ART의 CopycatCNN). 점 하나가 그만큼의 질의로 한 번 훔친 것입니다.',
  stealAxis: '질의',
  stealAccuracy: '도둑 모델 정확도',
  stealFidelity: '일치율',
  stealRunning: '모델에 질의하고 도둑 모델을 훈련하는 중…',
  stealCounter: '질의 {budget}개 중 {queries}개 · 모두 {paid}개 사용',
  stealReport: '"{post}" 뒤에서, {victim}의 답 {queries}개로 얻은 도둑 모델은 테스트 숫자의 ' +
    '{thief}를 맞히고 {fidelity} 일치합니다. 도둑 모델로 만든 ε 0.2 FGSM은 이 모델이 맞힌 답의 ' +
    '{transfer}를, 화이트박스는 {whitebox}를 뒤집습니다.',
  trainTitle: '적대적 훈련',
  trainHint: '첫 번째 모델({model})의 복사본을 MNIST 훈련 이미지 {n}장으로 1 에포크 동안 ' +
    '적대적 훈련합니다 (FGSM, ε {eps}, 배치마다 절반을 공격). 처음에는 MNIST(11 MB)를 ' +
    '내려받습니다.',
  trainButton: '훈련 시작',
  trainLoading: 'MNIST를 내려받는 중…',
  trainProgress: '배치 {batch}/{batches}, 손실 {loss}.',
  trainDone: '완료. 테스트 이미지 500장에서 원본 정확도 {clean}, FGSM ε {eps}에서 정확도 {adv}.',
  // 실험 페이지 (web/index.html, web/lab/): "lab." 아래의 키. 엔진이 보내는 메시지와 모델에
  // 기록된 메타데이터는 번역하지 않습니다.
  'lab.title': 'advlab · 적대적 예제를 실시간으로',
  'lab.description': '숫자를 그리고 공격해 보고, 표준 모델과 적대적 훈련 모델을 비교하세요. ' +
    '모든 계산은 브라우저 안에서 이루어집니다.',
  'lab.subtitle': '적대적 견고성 실험실',
  'lab.language': '언어',
  'lab.lede': '숫자를 그리고 ε를 키워 보세요. 표준 모델의 답은 바뀌지만 적대적 훈련 모델은 ' +
    '버팁니다. 엔진은 WebAssembly로 컴파일한 C 코드이며 이 탭의 워커에서 실행됩니다. ' +
    '어떤 데이터도 이 컴퓨터 밖으로 나가지 않습니다.',
  'lab.loading': '엔진을 불러오는 중…',
  'lab.ready': '준비되었습니다: 페이지를 열고 {seconds}초 만에 두 모델이 답했습니다.',
  'lab.startFailed': '시작하지 못했습니다: {message}',
  'lab.failed': '오류: {message}',
  'lab.dismiss': '이 알림 닫기',
  'lab.resumeTraining': '훈련 이어 하기',
  'lab.discard': '버리기',
  'lab.input': '입력',
  'lab.pad': '그림판: 숫자를 그리세요',
  'lab.sees': '모델이 보는 이미지: MNIST처럼 숫자를 20×20으로 줄이고 무게중심을 맞춰 ' +
    '28×28에 놓았습니다.',
  'lab.undo': '되돌리기',
  'lab.clear': '지우기',
  'lab.random': '무작위 MNIST 숫자',
  'lab.upload': '이미지 올리기',
  'lab.brush': '붓 굵기',
  'lab.drawDigit': '숫자를 그리세요.',
  'lab.digitNote': 'MNIST 테스트 이미지 {index}번, 정답 {label}.',
  'lab.uploaded': '올린 이미지: {name}.',
  'lab.notImage': '{name}: 브라우저가 읽을 수 있는 PNG나 JPEG 이미지가 아닙니다',
  'lab.attack': '공격',
  'lab.attack.bim': 'BIM (20단계)',
  'lab.attack.pgd': 'PGD (20단계, 무작위 시작)',
  'lab.minimal': '최소',
  'lab.target': '목표',
  'lab.untargeted': '없음 (비표적 공격)',
  'lab.mode': '방식',
  'lab.mode.whitebox': '각 모델에 화이트박스 공격',
  'lab.mode.transfer': '전이: 표준 모델에서 만든 예제',
  'lab.defendedSide': '방어 모델 쪽',
  'lab.pre': '전처리기',
  'lab.pre.none': '없음',
  'lab.pre.squeeze': '특징 압축, 1비트',
  'lab.pre.median': '중앙값 필터, 2×2',
  'lab.pre.jpeg': 'JPEG 압축, 품질 50',
  'lab.adaptive': '적응형 공격',
  'lab.adaptive.unaware': '끔: 방어가 없는 모델에서 만듦',
  'lab.adaptive.exact': '단순: 전처리기의 실제 기울기를 따름',
  'lab.adaptive.bpda': '켬: BPDA로 전처리기를 통과',
  'lab.detector': '특징 압축 탐지기',
  'lab.key.perturbation': '교란',
  'lab.key.perturbationText': '빨간색은 공격이 잉크를 더한 곳, 파란색은 지운 곳입니다. ' +
    '가장 큰 변화가 가장 진한 색이 되도록 확대했습니다.',
  'lab.key.bars': '막대',
  'lab.key.barsText': '회색은 원본 이미지, 빨간색은 적대적 예제.',
  'lab.key.adaptiveText': '특징 압축과 JPEG는 기울기가 0이라서 단순한 공격은 멈춥니다. ' +
    'BPDA는 기울기를 그대로 통과시켜 방어를 무너뜨립니다.',
  'lab.key.transfer': '전이',
  'lab.key.transferText': '표준 모델을 공격해 만든 이미지를 방어 모델에 넣습니다. 튜토리얼의 ' +
    '측정 방식입니다.',
  'lab.models': '두 모델 나란히 비교',
  'lab.card.standard': '표준 모델',
  'lab.card.defended': '방어 모델',
  'lab.weights.standard': '표준 모델 가중치',
  'lab.weights.defended': '방어 모델 가중치',
  'lab.slot.standard': '표준',
  'lab.slot.defended': '방어',
  'lab.clean': '원본',
  'lab.adversarial': '적대적 예제',
  'lab.perturbation': '교란',
  'lab.caption.input': '입력',
  'lab.caption.preprocessed': '전처리 후 입력',
  'lab.normsQueries': 'L∞ {linf} · L2 {l2} · L0 {l0}픽셀 · 질의 {budget}개 중 {used}개, ' +
    '기울기 없음',
  'lab.attack.autoattack': 'AutoAttack의 화이트박스 공격',
  'lab.attack.apgd': 'APGD-CE (100단계)',
  'lab.attack.apgdT': 'APGD-T (목표 9개)',
  'lab.attack.fab': 'FAB-T (목표 9개)',
  'lab.attack.lbfgs': 'L-BFGS (Szegedy 외, 최소 L2)',
  'lab.attack.jsma': 'JSMA (픽셀 쌍, 목표 클래스로)',
  'lab.attack.blackBox': '블랙박스: 답만 보고, 기울기 없이',
  'lab.attack.square': 'Square (질의 1000개)',
  'lab.attack.hopskipjump': 'HopSkipJump (레이블, 질의 1000개)',
  'lab.attack.boundary': 'Boundary (레이블, 질의 1000개)',
  'lab.norms': 'L∞ {linf} · L2 {l2} · L0 {l0}픽셀',
  'lab.flipped': '속았음',
  'lab.holds': '버텼음',
  'lab.reached': '목표 {target} 도달',
  'lab.detectorSays': '탐지기: {verdict}',
  'lab.export': '.safetensors로 내보내기',
  'lab.import': '가져오기',
  'lab.download': '적대적 예제 PNG',
  'lab.exportFailed': '내보내지 못했습니다. {message}',
  'lab.importFailed': '가져오지 못했습니다. 지금 모델을 그대로 씁니다. {message}',
  'lab.group.pretrained': '사전 훈련 모델',
  'lab.group.here': '여기서 훈련하거나 가져온 모델',
  'lab.modelName.standard': '표준',
  'lab.modelName.fgsm': 'FGSM 적대적 훈련 (eps 0.2, 비율 0.5)',
  'lab.modelName.pgd': 'PGD 적대적 훈련 (Madry, eps 0.3)',
  'lab.modelName.poisoned': '오염됨 (백도어: ART의 패턴, 10%, 다음 클래스)',
  'lab.modelName.ibp': 'IBP 인증 훈련 (Gowal 외, eps 0.15)',
  'lab.modelName.trainedStandard': '표준, {time}에 여기서 훈련 ({epochs} 에포크)',
  'lab.modelName.trainedDefended':
    '방어, {time}에 여기서 훈련 ({attack} eps {eps}, 비율 {ratio}, {epochs} 에포크)',
  'lab.modelName.trainedCertified':
    '방어, {time}에 여기서 훈련 ({attack} {eps}, {epochs} 에포크)',
  'lab.modelName.imported': '{name} (가져옴)',
  'lab.provenance.defence': '방어: {value}',
  'lab.provenance.training': '훈련: {value}',
  'lab.trainTitle': '이 탭에서 훈련하기',
  'lab.trainHint': '튜토리얼의 설정: 표준 모델을 훈련한 뒤, 그 모델에서 시작해 ART의 ' +
    'AdversarialTrainer로 적대적 훈련을 합니다. 처음 쓸 때 전체 MNIST(11 MB)를 내려받으며, ' +
    '훈련한 모델은 이 브라우저에 저장됩니다.',
  'lab.train.models': '모델',
  'lab.train.both': '표준 모델, 이어서 방어 모델',
  'lab.train.standard': '표준 모델만',
  'lab.train.defended': '방어 모델만',
  'lab.train.epochs': '에포크',
  'lab.train.batch': '배치 크기',
  'lab.train.lr': '학습률',
  'lab.train.pgd': 'PGD, 7단계',
  'lab.train.ratio': '공격 비율',
  'lab.train.seed': '시드',
  'lab.train.limit': '이미지 수',
  'lab.train.limitTitle': '0이면 60000장을 모두 씁니다',
  'lab.train': '훈련',
  'lab.pause': '일시 정지',
  'lab.resume': '이어 하기',
  'lab.cancel': '취소',
  'lab.training': '훈련',
  'lab.trainProgress': '{model} 모델: 에포크 {epoch}/{epochs}, 배치 {batch}/{batches}, 손실 ' +
    '{loss}, 훈련 정확도 {accuracy}, 초당 이미지 {speed}장',
  'lab.noStorage': '이 브라우저에서는 실험실이 아무것도 저장할 수 없습니다(IndexedDB 없음, 일부 ' +
    '사생활 보호 창처럼). 여기서 훈련하거나 가져온 모델과 이어서 할 훈련은 새로 고치면 ' +
    '사라집니다. 모델을 남기려면 내보내세요.',
  'lab.noLocks': '이 브라우저에는 Web Locks가 없어서 실험실 탭 두 개가 체크포인트 하나를 두고 ' +
    '동시에 훈련할 수 있습니다. 한 번에 한 탭에서만 훈련하세요.',
  'lab.trainingElsewhere': '이 실험실의 다른 탭에서 훈련 중입니다. 그 훈련이 끝나면 여기서 훈련하세요.',
  'lab.resuming': '체크포인트에서 이어 가는 중…',
  'lab.loadingMnist': 'MNIST를 불러오는 중…',
  'lab.cancelled': '취소했습니다. 지금 보이는 모델은 그대로입니다.',
  'lab.trained': '완료: 새 모델을 보여 주며 이 브라우저에 저장했습니다.',
  'lab.paused': '일시 정지하고 체크포인트를 저장했습니다: {where}.',
  'lab.checkpointFailed': '훈련 체크포인트를 저장하지 못했습니다({error}). 체크포인트 없이 ' +
    '훈련을 계속합니다.',
  'lab.interrupted': '중단된 훈련이 있습니다: {run}.',
  'lab.checkpoint': '{where} ({time}에 저장)',
  'lab.checkpointAfterStandard': '표준 모델은 끝났고, {where} ({time}에 저장)',
  'lab.place': '{model} 모델, 에포크 {epochs}회 중 {epoch}회 완료',
  'lab.placeInEpoch': '{model} 모델, 에포크 {epochs}회 중 {epoch}회 완료, 다음 에포크의 배치 ' +
    '{batches}개 중 {batch}개 완료',
  'lab.seconds': '{s}초',
  'lab.minutes': '{m}분 {s}초',
  'lab.crashFinal': '엔진의 워커가 멈췄고({reason}) 다시 시작하지 않습니다. 페이지를 새로 ' +
    '고치세요.',
  'lab.crashRestarting': '엔진의 워커가 멈췄습니다({reason}). 새 워커를 시작하는 중…',
  'lab.crashResumed': '엔진의 워커가 멈췄습니다({reason}). 새 워커가 이어받아 마지막 ' +
    '체크포인트부터 훈련을 계속합니다: {run}.',
  'lab.crashResumedPaused': '엔진의 워커가 멈췄습니다({reason}). 새 워커가 이어받았고, 훈련은 ' +
    '마지막 체크포인트에서 일시 정지한 채로 있습니다: {run}.',
  'lab.crashRecovered': '엔진의 워커가 멈췄습니다({reason}). 새 워커가 보이던 모델을 그대로 ' +
    '이어받았습니다.',
  'lab.crashRunLost': '엔진의 워커가 멈췄습니다({reason}). 새 워커가 보이던 모델을 그대로 ' +
    '이어받았지만, 훈련은 아직 체크포인트가 없었으니 훈련을 다시 누르세요.',
  'lab.why.silent': '{seconds}초 동안 응답이 없음',
  'lab.why.aborted': '엔진이 중단됨: {error}',
  'lab.why.failed': '워커 오류: {error}',
  'lab.why.failedToLoad': '워커를 불러오지 못했거나 예외가 발생함',
  'lab.crashNoRestart': '엔진의 워커가 멈췄고 다시 시작하지 못했습니다: {message}',
  'lab.chart.loss': '훈련 손실',
  'lab.chart.accuracy': '테스트 정확도',
  'lab.chart.accuracyCaption': '테스트 정확도: 원본과 FGSM ε 공격 후 (이미지 500장)',
  'lab.chart.speed': '초당 이미지 수',
  'lab.chart.speedCaption': '초당 이미지 수 · 남은 시간',
  'lab.chart.epochs': '에포크',
  'lab.chart.lossOf': '{model} 모델 손실',
  'lab.chart.imagesPerSecond': '초당 이미지',
  'lab.chart.curve': 'ε에 따른 정확도',
  'lab.chart.curveCaption': 'FGSM 공격의 ε에 따른 정확도',
  'lab.robustness': '견고성',
  'lab.testImages': '테스트 이미지',
  'lab.curves': 'ε에 따른 정확도',
  'lab.measure': '튜토리얼 측정',
  'lab.table.measurement': '측정',
  'lab.table.value': '값',
  'lab.table.images': '이미지',
  'lab.table.seconds': '초',
  'lab.row.cleanStandard': '원본 정확도, 표준 모델',
  'lab.row.fgsmStandard': 'FGSM eps {eps}, 표준 모델',
  'lab.row.transfer': '방어 모델, 표준 모델에서 만든 기존 FGSM 이미지 (전이)',
  'lab.row.fgsmDefended': '새로 만든 화이트박스 FGSM eps {eps}, 방어 모델',
  'lab.row.cleanDefended': '원본 정확도, 방어 모델',
  'lab.colophon': 'advlab: IBM Adversarial Robustness Toolbox(ART)와 같은 의미로 동작하는 ' +
    '공격과 방어. 가중치는 PyTorch에서 불러올 수 있는 safetensors로 내보냅니다.',
  'lab.poison.title': '훈련 데이터 오염시키기',
  'lab.poison.hint': '백도어(BadNets, ART의 PoisoningAttackBackdoor): 훈련 숫자 일부에 작은 ' +
    '트리거를 찍고 레이블을 목표 클래스로 바꿉니다. 이 데이터로 훈련한 모델은 깨끗한 숫자에서는 ' +
    '여전히 정확하지만, 트리거를 보면 그 명령을 따릅니다.',
  'lab.poison.trigger': '트리거',
  'lab.poison.pattern': 'ART의 패턴',
  'lab.poison.pixel': 'ART의 픽셀 하나',
  'lab.poison.mask': '여기에 직접 그리기',
  'lab.poison.padLabel': '트리거, 28×28 픽셀: 클릭하거나 끌어서 그리세요',
  'lab.poison.clearTrigger': '트리거 지우기',
  'lab.poison.source': '원본 클래스',
  'lab.poison.all': '모든 클래스',
  'lab.poison.target': '목표',
  'lab.poison.next': '다음 클래스 (y+1)',
  'lab.poison.fraction': '오염 비율',
  'lab.poison.run': 'MNIST 오염시키기',
  'lab.poison.train': '오염된 모델 훈련',
  'lab.poison.poisoning': '훈련 숫자 60,000개를 오염시키는 중…',
  'lab.poison.report': '훈련 숫자 {rows}개 중 {poisoned}개에 트리거와 목표 레이블이 들어갔습니다. ' +
    '그중 몇 개:',
  'lab.poison.trainHint': '오염된 모델은 표준 모델 자리에서, 훈련 패널의 에포크, 배치, ' +
    '학습률, 시드, 이미지 수로 훈련합니다.',
  'lab.poison.live': '입력에 트리거 넣기',
  'lab.poison.strip': '입력에 STRIP 적용 (표준 모델)',
  'lab.poison.stripFlagged': 'STRIP: 오염됨. 깨끗한 숫자와 섞어도 답이 하나로 모입니다 ' +
    '(엔트로피 {entropy}, 임계값 {threshold} 이하).',
  'lab.poison.stripClean': 'STRIP: 깨끗함. 깨끗한 숫자와 섞으면 답이 흩어집니다 ' +
    '(엔트로피 {entropy}, 임계값 {threshold} 초과).',
  'lab.poison.findTitle': '오염을 찾아내고, 빼고 다시 훈련하기',
  'lab.poison.defence': '방어',
  'lab.poison.ac': '활성화 군집화',
  'lab.poison.spectral': '스펙트럼 시그니처',
  'lab.poison.retrain': '남은 데이터로 다시 훈련 (방어 모델)',
  'lab.poison.find': '오염 찾기',
  'lab.poison.searching': '모든 훈련 숫자의 마지막 은닉층을 읽는 중…',
  'lab.poison.retraining': '남은 숫자로 다시 훈련하는 중: 에포크 {epoch}/{epochs}…',
  'lab.poison.found': '훈련 숫자 {rows}개 중 {flagged}개를 찾아냈습니다. 정밀도 {precision}, ' +
    '오염된 {poisoned}개에 대한 재현율 {recall}.',
  'lab.poison.scatter': '한 클래스의 축소된 활성화',
  'lab.poison.scatterCaption': '레이블 {label}: 마지막 은닉층을 2차원으로, 군집별 색. 빨간 ' +
    '고리는 오염된 숫자',
  'lab.poison.cleanAccuracy': '깨끗한 정확도',
  'lab.poison.attackSuccess': '공격 성공률',
  'lab.poison.rowPoisoned': '오염된 데이터로 훈련',
  'lab.poison.rowRetrained': '나머지로 다시 훈련',
  'lab.poison.wasPoisoned': '오염',
  'lab.poison.wasClean': '깨끗함',
  'lab.modelName.trainedPoisoned': '오염됨, {time}에 여기서 훈련 ({epochs} 에포크)',
  'lab.modelName.cleansed': '{defence} 후 {time}에 여기서 다시 훈련 ({epochs} 에포크)',
  'lab.modelName.stolen': '{time}에 여기서 훔침 (질의 {queries}개, {thief})',
  'lab.export.as': '{format}(으)로 내려받기',
  'lab.export.series': '계열',
  'lab.export.value': '값',
  'lab.audit.title': '이 방어는 진짜일까?',
  'lab.audit.hint': 'AutoAttack(Croce & Hein 2020): APGD-CE, APGD-T, FAB-T, 그리고 블랙박스 ' +
    'Square가 앞의 공격들이 남긴 이미지를 차례로 공격합니다. 대상은 공격 패널의 전처리기 뒤에 ' +
    '있는 카드의 모델입니다. 강건 정확도는 이미지마다 가장 나쁜 경우이고, 경고는 숫자가 기울기 ' +
    '가림(gradient masking)처럼 보일 때 알려 줍니다.',
  'lab.audit.defended': '방어 모델, 전처리기 뒤에서',
  'lab.audit.suite': '스위트',
  'lab.audit.quick': '빠르게 (APGD-CE, APGD-T, 20단계)',
  'lab.audit.autoattack': 'AutoAttack 표준',
  'lab.audit.full': '전체 (BPDA 포함)',
  'lab.audit.run': '확인하기',
  'lab.audit.running': '모든 코어에서 테스트 숫자를 공격하는 중…',
  'lab.audit.after': '이 공격 뒤 정확도',
  'lab.audit.broke': '처음 무너뜨린 수',
  'lab.audit.gradients': '기울기 호출',
  'lab.audit.report': '전처리기: {pre}. 테스트 숫자 {n}개 중 깨끗한 상태에서 {clean}를 맞히고, ' +
    'ε {eps}의 모든 공격을 견딘 것은 {robust}입니다 (워커 {workers}개로 {seconds}초).',
  'lab.audit.noWarnings': '경고 없음: 기울기 가림처럼 보이는 것이 없습니다.',
  'lab.audit.warn.softmax': '출력이 로짓이 아니라 확률처럼 보입니다: softmax가 포화된 곳에서 ' +
    '공격의 손실이 평평해져, 공격이 제 힘을 못 낼 수 있습니다.',
  'lab.audit.warn.zero_gradients': '검사한 숫자의 {share}에서 기울기가 0입니다: 기울기 공격이 ' +
    '그 숫자를 움직일 수 없습니다. 이 방어는 기울기를 가리고 있을 수 있습니다.',
  'lab.audit.warn.random': '출력이 무작위입니다: 같은 숫자를 두 번 넣으면 답이 다릅니다. ' +
    '무작위 방어는 그 기댓값을 통해(EOT) 공격해야 하며, 이 숫자는 방어를 과대평가할 수 있습니다.',
  'lab.audit.warn.black_box': '블랙박스 Square가 기울기 공격이 못 무너뜨린 숫자를 무너뜨렸습니다: ' +
    '기울기가 공격을 잘못 이끕니다. 이 방어는 기울기를 가리고 있을 수 있습니다.',
  'lab.audit.warn.large_eps': '어떤 숫자도 다른 숫자로 바꿀 수 있는 ε {eps}에서도 검사한 숫자의 ' +
    '{accuracy}가 여전히 맞습니다: 공격이 이 모델에 통하지 않습니다. 이 방어는 기울기를 가리고 ' +
    '있을 수 있습니다.',
  'lab.audit.warn.naive_above_bpda': '방어 자신의 기울기로는 {naive}가 남지만 BPDA로는 {bpda}만 ' +
    '남습니다: 전처리기가 기울기를 가립니다. BPDA 숫자를 믿으세요 (전체 스위트는 BPDA로도 ' +
    '공격합니다).',
  // 보편적 섭동 (issue 13)
  'lab.universal.title': '보편적 섭동',
  'lab.universal.hint': '모든 숫자에 통하는 하나의 섭동 (Moosavi-Dezfooli 외 2017, ART의 ' +
    'UniversalPerturbation): 섭동이 아직 속이지 못한 훈련 숫자마다 DeepFool을 돌려 그 한 ' +
    '걸음을 더하고, 합을 ε-공 안으로 되돌립니다. 그런 다음 한 번도 본 적 없는 테스트 숫자에 ' +
    '더합니다.',
  'lab.universal.norm': '노름',
  'lab.universal.fit': '훈련 숫자',
  'lab.universal.delta': 'δ (1 − δ에서 멈춤)',
  'lab.universal.passes': '최대 반복 횟수',
  'lab.universal.run': '찾기',
  'lab.universal.running': '훈련 숫자에 맞는 섭동 하나를 찾는 중…',
  'lab.universal.perturbation': '섭동 (빨강은 잉크를 더하고 파랑은 지웁니다)',
  'lab.universal.digit': '섭동을 더한 테스트 숫자 {index}: 모델의 답이 {clean}에서 ' +
    '{predicted}(으)로',
  'lab.universal.report': '테스트 숫자 {n}개 중 {fooled}개를 속입니다 ({rate}). 맞춘 훈련 ' +
    '숫자 {fit}개에서는 {passes}번 반복 뒤 {fitRate}; ‖v‖ {norm} ({seconds}초).',
  'lab.study.title': '스터디: 튜토리얼을 한 단계씩',
  'lab.study.hint': 'ART 입문 예제와 같은 연구의 흐름: 훈련하고 측정, 공격하고 측정, 방어, 다시 ' +
    '공격하고 측정. 그다음 다른 단계의 위협들. 각 단계는 여기서, 실제 MNIST로, 아래 패널들을 ' +
    '통해, 바꿀 수 있는 짧은 설정으로 실행됩니다. 진행 상황은 이 브라우저에 저장됩니다.',
  'lab.study.hide': '자유 실험: 안내 숨기기',
  'lab.study.show': '안내 보기',
  'lab.study.counter': '{count}단계 중 {n}단계',
  'lab.study.back': '이전',
  'lab.study.run': '이 단계 실행',
  'lab.study.next': '다음 단계',
  'lab.study.restart': '처음부터',
  'lab.study.running': '{panel}에서 실행 중…',
  'lab.study.stopped': '단계가 측정 전에 멈췄습니다. 이유는 해당 패널에 있습니다.',
  'lab.study.control.epochs': '에포크',
  'lab.study.control.images': '훈련 이미지',
  'lab.study.control.n': '테스트 이미지',
  'lab.study.control.eps': 'ε (교란 크기)',
  'lab.study.control.ratio': '비율',
  'lab.study.control.fraction': '오염 비율',
  'lab.study.control.queries': '질의 예산',
  'lab.study.train.title': '훈련하고 측정하기',
  'lab.study.train.panel': '훈련 패널',
  'lab.study.train.intro': '먼저 공격할 만한 모델: ART 입문 예제의 CNN(합성곱 두 층, 완전연결 두 ' +
    '층)을 MNIST 손글씨 숫자로 Adam, 학습률 0.01로 훈련합니다. 그리고 본 적 없는 테스트 숫자로 ' +
    '측정합니다. 튜토리얼의 20 에포크, 60,000장보다 줄여서 이 단계는 1분 안팎입니다.',
  'lab.study.train.notice': '{images}장으로 {epochs} 에포크 훈련한 표준 모델은 테스트 숫자 ' +
    '{n}개 중 {clean}를 맞힙니다. 이 숫자를 기억하세요: 공격이 이것을 노립니다.',
  'lab.study.attack.title': '공격하고 측정하기',
  'lab.study.attack.panel': '강건성 패널',
  'lab.study.attack.intro': 'FGSM(Goodfellow 외)은 모든 픽셀을 모델의 손실이 커지는 방향으로 ' +
    'ε만큼 옮깁니다: 기울기 한 번, 한 걸음. 테스트 숫자마다 자기 교란을 받고, 그 결과로 모델을 ' +
    '다시 측정합니다.',
  'lab.study.attack.notice': 'ε {eps}의 FGSM(어떤 픽셀도 {eps}보다 더 움직이지 않음)이 테스트 ' +
    '숫자 {n}개에서 모델의 정확도를 {clean}에서 {fgsm}로 떨어뜨립니다. 위에 숫자를 그려 보세요: ' +
    '그림은 거의 그대로인데 표준 모델 카드의 답이 뒤집힙니다.',
  'lab.study.defend.title': '방어하기',
  'lab.study.defend.panel': '훈련 패널',
  'lab.study.defend.intro': '세 가지 방법: 교란을 제거하기(모델 앞의 전처리기), 훈련으로 ' +
    '없애기, 검출하기. 이 단계는 튜토리얼처럼 훈련으로 없앱니다: ART의 AdversarialTrainer가 ' +
    '표준 모델에서 이어서, 배치마다 일부(비율)를 FGSM 이미지로 바꿔 훈련합니다. 나머지 둘은 ' +
    '공격 패널에 있습니다: 전처리기와 feature squeezing 검출기.',
  'lab.study.defend.notice': 'FGSM(ε {eps})을 배치의 {ratio}에 넣어 {epochs} 에포크 훈련한 ' +
    '방어 모델은 깨끗한 테스트 숫자의 {clean}를 맞힙니다: 여기서는 방어의 정확도 비용이 ' +
    '작습니다. 버티는지는 다음 단계에서 묻습니다.',
  'lab.study.again.title': '다시 공격하고 측정하기',
  'lab.study.again.panel': '강건성 패널',
  'lab.study.again.intro': '튜토리얼은 방어 모델을 표준 모델용으로 만든 적대적 이미지로 ' +
    '측정합니다. 공정한 시험은 방어 모델 자신도 공격합니다: 방어 모델에서 새로 만든 FGSM으로. ' +
    '이 단계는 둘 다 잽니다.',
  'lab.study.again.notice': '표준 모델의 예전 적대적 이미지(튜토리얼의 숫자)에서 방어 모델은 ' +
    '{transfer}, 방어 모델에서 새로 만든 FGSM에는 {fresh}입니다. 표준 모델은 {standard}였습니다. ' +
    '첫 번째 숫자는 후합니다: 그 이미지는 다른 모델을 위해 만든 것이니까요.',
  'lab.study.poison.title': '훈련 데이터 오염시키기',
  'lab.study.poison.panel': '오염 패널',
  'lab.study.poison.intro': '데이터 수집 단계: 훈련 데이터를 대는 사람은 숫자 몇 개에 작은 ' +
    '트리거를 찍고 레이블을 바꿀 수 있습니다(BadNets). 이 단계는 MNIST를 오염시키고, 그것으로 ' +
    '모델을 훈련한 뒤, 활성화 군집화로 오염을 찾아 빼고 다시 훈련합니다.',
  'lab.study.poison.notice': '훈련 숫자의 {fraction}를 오염시키자, 모델은 깨끗한 숫자에서는 ' +
    '정확하면서({clean}) 트리거가 찍힌 테스트 숫자의 {success}에서 트리거를 따릅니다. 활성화 ' +
    '군집화는 정밀도 {precision}, 재현율 {recall}로 오염을 찾았고, 오염을 빼고 다시 훈련하자 ' +
    '트리거는 {after}에서만 통합니다.',
  'lab.study.steal.title': '훔치고 추론하기',
  'lab.study.steal.panel': '훔치기·추론 패널',
  'lab.study.steal.intro': '활용 단계: 질의에 답하는 모델은 자신을 드러냅니다. 도둑은 자기 ' +
    '이미지에 그 답을 레이블로 달아 복제 모델을 훈련하고, 멤버십 공격은 어떤 숫자가 훈련 ' +
    '데이터에 있었는지 묻습니다.',
  'lab.study.steal.notice': '질의 {queries}개로 만든 도둑의 복제 모델은 테스트 숫자의 ' +
    '{thief}를 맞히고 원래 모델과 {fidelity} 일치합니다. 숫자 500개로 과적합한 모델은 이득 ' +
    '{advantage}(0이면 찍기)로 멤버를 드러냅니다.',
  'lab.study.certify.title': '증명하기',
  'lab.study.certify.panel': '모델 카드',
  'lab.study.certify.intro': '지금까지의 숫자는 모두 실패한 공격이고, 그것은 공격이 약했다는 ' +
    '뜻일 수도 있습니다. 구간 경계 전파(IBP)는 대신 증명합니다: 픽셀마다 ε*까지의 어떤 변화도 ' +
    '답을 바꿀 수 없다고. 이 단계는 IBP로 훈련한 모델을 방어 모델 카드에 놓고, 여러분이 그린 ' +
    '숫자에 대한 답을 증명합니다.',
  'lab.study.certify.notice': 'IBP는 IBP로 훈련한 모델의 답을 ε* = {proved}까지 증명하고, 실시간 ' +
    '공격은 ε = {broken}에서 처음 성공합니다. 그 사이는 증명도 공격도 아직 가리지 못한 구간입니다.',
  'lab.study.certify.noticeUnbroken': 'IBP는 IBP로 훈련한 모델의 답을 ε* = {proved}까지 ' +
    '증명하고, 실시간 공격은 ε = 0.5까지 아무것도 찾지 못합니다. 다른 숫자를 그리고 다시 ' +
    '실행해 보세요.',
  'lab.steal.title': '모델 훔치기, 훈련 데이터 추론하기',
  'lab.steal.hint': '서비스 중인 모델은 질의에 답하고, 그 답이 모델을 드러냅니다. 도둑은 자기 ' +
    '이미지를 보내 답을 레이블로 삼아 복제 모델을 훈련합니다(ART의 CopycatCNN, KnockoffNets). ' +
    '후처리기가 방어입니다: 답이 드러내는 것을 바꿉니다.',
  'lab.steal.victim': '피해 모델',
  'lab.steal.victimStandard': '표준 모델',
  'lab.steal.victimDefended': '방어 모델',
  'lab.steal.postprocess': '답의 형태',
  'lab.steal.post.none': '확률',
  'lab.steal.post.reverse_sigmoid': '역 시그모이드',
  'lab.steal.post.high_confidence': '높은 확신만',
  'lab.steal.post.rounded': '반올림',
  'lab.steal.post.class_labels': '클래스 레이블만',
  'lab.steal.thief': '도둑의 이미지',
  'lab.steal.thief.mnist': '레이블 없는 MNIST 훈련 숫자',
  'lab.steal.thief.fashion': 'Fashion-MNIST (다른 이미지)',
  'lab.steal.thief.noise': '무작위 노이즈',
  'lab.steal.method': '방법',
  'lab.steal.method.copycat': 'CopycatCNN (무작위 선택)',
  'lab.steal.method.knockoffRandom': 'KnockoffNets, 무작위',
  'lab.steal.method.knockoffAdaptive': 'KnockoffNets, 적응형',
  'lab.steal.queries': '질의 예산',
  'lab.steal.run': '훔치기',
  'lab.steal.compare': '후처리기마다 훔쳐 보기',
  'lab.steal.stealing': '피해 모델에 질의하고 도둑 모델을 훈련하는 중…',
  'lab.steal.counter': '질의 {budget}개 중 {queries}개 · 모두 {paid}개 사용',
  'lab.steal.report': '{victim}의 답 {queries}개로, 도둑 모델은 테스트 숫자의 {thiefAccuracy}를 ' +
    '맞히고(피해 모델은 {victimAccuracy}) 피해 모델과 {fidelity} 일치합니다. 도둑 모델로 만든 ' +
    'ε 0.2 FGSM은 피해 모델이 맞힌 답의 {transfer}를, 화이트박스 FGSM은 {whitebox}를 뒤집습니다.',
  'lab.steal.reportKept': '{victim}의 답 {queries}개로, 도둑 모델은 테스트 숫자의 {thiefAccuracy}를 ' +
    '맞히고(피해 모델은 {victimAccuracy}) 피해 모델과 {fidelity} 일치합니다. 도둑 모델로 만든 ' +
    'ε 0.2 FGSM은 피해 모델이 맞힌 답의 {transfer}를, 화이트박스 FGSM은 {whitebox}를 뒤집습니다. ' +
    '도둑 모델은 이제 피해 모델 옆 카드에 있습니다.',
  'lab.steal.learn': '도둑이 배우는 것',
  'lab.steal.learn.labels': '답의 최상위 클래스 (ART 기본값)',
  'lab.steal.learn.probabilities': '답 그 자체',
  'lab.steal.chart': '질의 예산에 따른 도둑 모델',
  'lab.steal.chartCaption': '도둑 모델의 테스트 정확도와 피해 모델과의 일치율, 사용한 질의 수에 ' +
    '따라; 점 하나가 따로 한 번의 절도',
  'lab.steal.queriesAxis': '질의',
  'lab.steal.victimAccuracy': '피해 모델 정확도',
  'lab.steal.thiefAccuracy': '도둑 모델 정확도',
  'lab.steal.fidelity': '일치율',
  'lab.steal.transfer': '도둑 모델의 FGSM',
  'lab.steal.whitebox': '화이트박스 FGSM',
  'lab.infer.title': '이 숫자는 훈련 데이터에 있었을까?',
  'lab.infer.hint': '멤버십 추론(ART의 규칙 기반, 블랙박스, 레이블 전용 공격): 앞쪽 훈련 ' +
    '이미지가 멤버, 같은 수의 테스트 이미지가 비멤버입니다. 각각의 절반으로 공격을 맞추고, 나머지 ' +
    '절반으로 측정합니다. 과적합한 모델은 멤버를 드러냅니다.',
  'lab.infer.target': '모델',
  'lab.infer.overfit': '과적합: 앞쪽 숫자 500개, 100 에포크 (여기서 훈련)',
  'lab.infer.standard': '표준 모델',
  'lab.infer.rule': '규칙: 멤버는 맞게 답한다',
  'lab.infer.blackbox': '블랙박스: 답을 보는 신경망',
  'lab.infer.labelOnly': '레이블 전용: 경계까지의 거리',
  'lab.infer.members': '멤버 수',
  'lab.infer.run': '멤버십 추론',
  'lab.infer.training': '숫자 500개로 과적합 모델을 훈련하는 중…',
  'lab.infer.inferring': '멤버와 비멤버를 채점하는 중…',
  'lab.infer.report': '공격을 맞출 때 쓰지 않은 멤버 {members}개와 비멤버 {nonmembers}개에서, ' +
    '공격은 멤버의 {tpr}, 비멤버의 {fpr}를 멤버라고 합니다: 이득(advantage) {advantage} ' +
    '(0이면 찍기), AUC {auc}, 균형 정확도 {balanced}.',
  'lab.infer.roc': '공격의 ROC 곡선',
  'lab.infer.rocCaption': '공격의 ROC 곡선: 잡아낸 멤버 대 잘못 지목한 비멤버; 점선 대각선은 ' +
    '찍기',
  'lab.infer.fprAxis': '잘못 지목한 비멤버',
  'lab.infer.tprAxis': '잡아낸 멤버',
  'lab.infer.pick': '숫자를 골라 공격의 판정을 보세요:',
  'lab.infer.digits': '측정한 숫자',
  'lab.infer.wasMember': '멤버',
  'lab.infer.wasNonmember': '비멤버',
  'lab.infer.member': '멤버',
  'lab.infer.nonmember': '비멤버',
  'lab.infer.verdictRight': '공격의 판정은 {verdict}(점수 {score}, 임계값 {threshold})이고, ' +
    '맞았습니다: 이 숫자는 {truth}입니다.',
  'lab.infer.verdictWrong': '공격의 판정은 {verdict}(점수 {score}, 임계값 {threshold})이고, ' +
    '틀렸습니다: 이 숫자는 {truth}입니다.',
  'lab.invert.title': '모델이 클래스마다 기억하는 것',
  'lab.invert.hint': '모델 역전(ART의 MIFace): 평균 훈련 숫자에서 시작해, 클래스마다 그 ' +
    '점수를 올리는 쪽으로 이미지를 바꿉니다. 모델 말고는 아무것도 쓰지 않습니다.',
  'lab.invert.run': '열 개 클래스 재구성',
  'lab.invert.running': '클래스마다 점수를 올리는 중…',
  'lab.invert.report': '각 이미지는 평균 숫자에서 출발해 모델이 그 클래스라고 가장 확신하게 된 ' +
    '것입니다: 훈련 숫자가 아니라 모델이 생각하는 그 클래스입니다.',
  'lab.invert.tile': '{label}: 확률 {score}',
  'lab.proof': '증명',
  'lab.proof.ibp': 'IBP (구간 경계)',
  'lab.proof.crown': 'CROWN (선형 경계)',
  'lab.proof.smoothing': '랜덤 스무딩 (L2, σ 0.25)',
  'lab.proof.none': '끔',
  'lab.cert.proved': '{method}로 증명됨: 각 픽셀을 ε* = {radius}까지 바꿔도 답 {label}은 ' +
    '바뀌지 않으므로, ε = {eps}에서도 바뀌지 않습니다.',
  'lab.cert.notAtEps': 'ε = {eps}에서는 {method}로 증명할 수 없습니다. 답 {label}은 ε* = ' +
    '{radius}까지만 증명됩니다.',
  'lab.cert.nothing': '{method}로 증명할 수 없습니다. 이 입력에서는 아주 작은 ε에서도 경계가 ' +
    '아무것도 증명하지 못합니다.',
  'lab.cert.smoothed': '스무딩한 모델(잡음 σ {sigma})의 답은 {label}이며, L2 반경 {radius} ' +
    '안에서 인증됩니다.',
  'lab.cert.abstains': '스무딩한 모델(잡음 σ {sigma})은 답을 보류합니다. 잡음을 넣은 답들이 ' +
    '하나를 인증할 만큼 일치하지 않습니다.',
  'lab.cert.gap': '초록: {proved}까지 증명됨 · 빨강: {broken}부터 공격 성공 · 검정: 고른 ε',
  'lab.cert.unbroken': '초록: {proved}까지 증명됨 · 0.5까지 공격이 성공하지 못함 · 검정: 고른 ε',
  'lab.cert.chart': 'ε 0부터 0.5까지, 증명된 범위와 깨진 범위',
  'lab.train.ibp': 'IBP, 인증 훈련 (Gowal 외)',
  'lab.train.noise': '가우스 잡음 σ = ε, 스무딩용',
  'lab.train.fbf': '빠른 적대적 훈련 (Wong 외)',
  'lab.train.trades': 'TRADES 훈련 (Zhang 외)',
  'lab.train.pgdRamp': 'PGD, 7단계, ε를 점차 키움',
  'lab.chart.verified': '점선: IBP로 검증된 정확도',
  'lab.engineSimd': '엔진: SIMD를 쓰는 WebAssembly.',
  'lab.engineScalar': '엔진: SIMD 없는 WebAssembly(이 브라우저는 SIMD를 지원하지 않음). 더 ' +
    '느리지만 결과는 같습니다.',
  // 스윕 패널 (issue 18).
  'lab.sweep.title': '스윕: 설정 하나를 바꿔 가며, 여러 시드로',
  'lab.sweep.hint': '튜토리얼 실험의 설정, 또는 표준 모델에 대한 공격의 설정(공격 종류, ε, 간격, ' +
    '반복 횟수, 방어와 그 매개변수), 또는 훈련 데이터 백도어의 설정(오염 비율, 트리거) 하나를 ' +
    '바꿔 가며(둘을 고르면 격자) 값마다 시드별로 한 ' +
    '번씩 측정합니다. 시드 하나만으로는 오해하기 쉽습니다. 선택지는 이름으로 적습니다: ' +
    'fgsm,pgd 또는 none,squeeze. 값은 목록(0,0.1,0.2)이나 범위 ' +
    '시작:끝:간격으로 적습니다. 셀은 모든 코어에서 돌고 끝나는 대로 저장되므로, 일시 정지하거나 ' +
    '새로 고쳐도 실행 중이던 셀만 다시 돌립니다. 숫자는 명령줄의 advlab sweep과 같습니다.',
  'lab.sweep.vary': '바꿀 설정',
  'lab.sweep.values': '값',
  'lab.sweep.vary2': '격자로, 두 번째 설정',
  'lab.sweep.noSecond': '없음',
  'lab.sweep.seeds': '시드',
  'lab.sweep.measure': '측정',
  'lab.sweep.run': '스윕 실행',
  'lab.sweep.pause': '일시 정지',
  'lab.sweep.resume': '이어서 실행',
  'lab.sweep.load': '스윕 JSON 불러오기',
  'lab.sweep.print': '보고서 인쇄',
  'lab.sweep.shown': '지도에 보일 측정',
  'lab.sweep.stopped': '스윕 도중 엔진 워커가 멈췄습니다. 이어서 실행하면 저장된 셀부터 계속합니다.',
  'lab.sweep.reportTitle': 'advlab 스윕 보고서',
  'lab.sweep.chart': '스윕 차트',
  'lab.sweep.reproduce': '명령줄에서 같은 숫자를 얻으려면:',
  'lab.sweep.key.eps': 'FGSM의 ε',
  'lab.sweep.family': '각 셀이 실행할 것',
  'lab.sweep.family.experiment': '튜토리얼 실험',
  'lab.sweep.family.attack': '표준 모델에 대한 공격',
  'lab.sweep.family.poison': '훈련 데이터의 백도어',
  'lab.sweep.key.fraction': '오염 비율',
  'lab.sweep.key.trigger': '트리거',
  'lab.sweep.key.source': '원본 클래스',
  'lab.sweep.key.target': '목표 클래스',
  'lab.sweep.trigger.pattern': 'ART의 패턴',
  'lab.sweep.trigger.pixel': '픽셀 하나',
  'lab.sweep.m.attack_success': '트리거 성공률',
  'lab.sweep.key.attack': '공격',
  'lab.sweep.key.attack_eps': '공격의 ε',
  'lab.sweep.key.eps_step': '공격의 간격',
  'lab.sweep.key.max_iter': '공격의 반복 횟수',
  'lab.sweep.key.defence': '방어',
  'lab.sweep.key.bit_depth': '비트 깊이 축소의 비트 수',
  'lab.sweep.key.window': '중앙값 필터의 창 크기',
  'lab.sweep.key.quality': 'JPEG 품질',
  'lab.sweep.key.sigma': '잡음의 σ',
  'lab.sweep.defence.none': '없음',
  'lab.sweep.defence.squeeze': '비트 깊이 축소',
  'lab.sweep.defence.median': '중앙값 필터',
  'lab.sweep.defence.noise': '가우스 잡음',
  'lab.sweep.m.clean_accuracy': '깨끗한 이미지의 정확도',
  'lab.sweep.m.robust_accuracy': '공격을 받은 정확도',
  'lab.sweep.m.success_rate': '공격 성공률',
  'lab.sweep.meanOf': '{name}: 평균',
  'lab.sweep.captionLinesAttack': '테스트 이미지 중 비율, 시드 {seeds}개의 평균. 막대: ± 표준편차 하나',
  'lab.sweep.captionHeatAttack': '{name}: 테스트 이미지 중 비율, 시드 {seeds}개의 평균. 진할수록 높음',
  'lab.sweep.key.ratio': '적대적 비율',
  'lab.sweep.key.epochs': '에포크',
  'lab.sweep.key.adv_epochs': '적대적 학습 에포크',
  'lab.sweep.key.lr': '학습률',
  'lab.sweep.key.batch': '배치 크기',
  'lab.sweep.key.pgd_eps': 'PGD의 ε',
  'lab.sweep.key.pgd_eps_step': 'PGD의 스텝',
  'lab.sweep.key.pgd_iter': 'PGD 반복 횟수',
  'lab.sweep.key.train_limit': '학습 이미지 수',
  'lab.sweep.key.test_limit': '테스트 이미지 수',
  'lab.sweep.m.clean_standard': '표준 모델, 깨끗한 입력',
  'lab.sweep.m.fgsm_standard': 'FGSM 공격을 받은 표준 모델',
  'lab.sweep.m.transfer_defended': '방어 모델, 표준 모델로 만든 FGSM',
  'lab.sweep.m.clean_defended': '방어 모델, 깨끗한 입력',
  'lab.sweep.m.fgsm_defended': 'FGSM 공격을 받은 방어 모델',
  'lab.sweep.m.pgd_standard': 'PGD 공격을 받은 표준 모델',
  'lab.sweep.m.pgd_defended': 'PGD 공격을 받은 방어 모델',
  'lab.sweep.mean': '{name}: 평균 정확도',
  'lab.sweep.std': '± 표준편차 (%p)',
  'lab.sweep.captionLines': '정확도, 시드 {seeds}개의 평균. 막대: ± 표준편차 하나',
  'lab.sweep.captionHeat': '{name}: 정확도, 시드 {seeds}개의 평균. 진할수록 높음',
  'lab.sweep.bad': '실행하지 않음: {message}',
  'lab.sweep.already': '스윕이 실행 중입니다. 먼저 일시 정지하세요(끝난 셀은 저장됩니다).',
  'lab.sweep.running': '셀 {cells}개를 모든 코어에서 실행하는 중…',
  'lab.sweep.paused': '셀 {cells}개 중 {done}개 뒤 일시 정지. 이어서 실행하면 거기서부터 계속합니다.',
  'lab.sweep.done': '완료: 셀 {cells}개, {seconds}초.',
  'lab.sweep.loaded': '{name}: 셀 {cells}개 중 {done}개. 실행하면 다시 돌립니다.',
  'lab.sweep.kept': '이 브라우저에 저장된 마지막 스윕: 셀 {cells}개.',
  'lab.sweep.keptPaused': '스윕이 셀 {cells}개 중 {done}개 뒤 일시 정지되었습니다. 이어서 실행하면 거기서부터 계속합니다.',
};
